/*
 * ecu-answer: the ECU side of a version-report read-back, written as
 * firmware would write it: verify the installed bundle at boot, then
 * answer the rig's nonce with a report signed by the ECU's device key.
 *
 *   ecu-answer <root.msr> <bundle.msb> <state-dir> <device-key.pem> <serial> <nonce-hex>
 *
 * The device key stands in for a secure element: a PKCS#8 PEM file, Ed25519
 * or P-256 (`modelseal report keygen`, or `openssl genpkey`), used through
 * OpenSSL behind the library's
 * signer callback; the library never sees the key. <state-dir> stands in
 * for non-volatile memory: the counter floor (`counter-floor`, as c-boot
 * keeps it) and the report sequence number (`report-sequence`),
 * incremented and persisted before the report leaves the ECU, so that no
 * two reports share a number. The report is written to
 * <state-dir>/report.bin (what the diagnostic answer carries).
 *
 * Policy as c-boot's: HW-FC-0042, PLAT-A, EU, component, Staging or
 * better, no trusted clock.
 *
 * Exit status: 0 answered; otherwise the modelseal status number (35 the
 * signer failed), or 100 usage, 101 unreadable input, 103 state not
 * writable.
 */
#define _POSIX_C_SOURCE 200809L

#include "modelseal.h"

#include <inttypes.h>
#include <openssl/bn.h>
#include <openssl/ecdsa.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 100, EXIT_INPUT = 101, EXIT_STATE = 103 };

static modelseal_verifier verifier;
static uint8_t root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN];
static uint8_t report[MODELSEAL_MAX_REPORT_LEN];

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    uint8_t *buf = NULL;
    long n;
    if (!f) return NULL;
    if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0) {
        buf = malloc(n > 0 ? (size_t)n : 1);
        if (buf && fread(buf, 1, (size_t)n, f) != (size_t)n) {
            free(buf);
            buf = NULL;
        }
        *len = (size_t)n;
    }
    fclose(f);
    return buf;
}

static uint64_t read_u64(const char *dir, const char *name) {
    char path[1024], text[32] = {0};
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "r");
    if (!f) return 0;
    if (!fgets(text, sizeof text, f)) text[0] = 0;
    fclose(f);
    return strtoull(text, NULL, 10);
}

static int write_file(const char *dir, const char *name, const void *data, size_t len) {
    char path[1024], tmp[1100];
    FILE *f;
    int ok;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    f = fopen(tmp, "wb");
    if (!f) return 0;
    ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok && rename(tmp, path) == 0;
}

static int hex_nonce(const char *hex, uint8_t *out, size_t cap, size_t *len) {
    size_t n = strlen(hex), i;
    while (n > 0 && (hex[n - 1] == '\n' || hex[n - 1] == ' ')) n--;
    if (n % 2 || n / 2 > cap) return 0;
    for (i = 0; i < n / 2; i++) {
        unsigned v;
        if (sscanf(hex + 2 * i, "%2x", &v) != 1) return 0;
        out[i] = (uint8_t)v;
    }
    *len = n / 2;
    return 1;
}

/* The "secure element": signs the 64-byte message with the device key.
 * Ed25519 signs the message itself; ECDSA P-256 signs SHA-256 of it, and
 * its DER signature is converted to the report's r || s. */
static int element_sign(void *user, const uint8_t *message, uint8_t *signature) {
    EVP_PKEY *key = user;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ed = EVP_PKEY_id(key) == EVP_PKEY_ED25519;
    uint8_t der[80];
    size_t len = ed ? MODELSEAL_REPORT_SIGNATURE_LEN : sizeof der;
    int ok = md && EVP_DigestSignInit(md, NULL, ed ? NULL : EVP_sha256(), NULL, key) == 1 &&
             EVP_DigestSign(md, ed ? signature : der, &len, message,
                            MODELSEAL_REPORT_MESSAGE_LEN) == 1;
    EVP_MD_CTX_free(md);
    if (ok && ed) return len == MODELSEAL_REPORT_SIGNATURE_LEN ? 0 : -1;
    if (ok) {
        const unsigned char *p = der;
        ECDSA_SIG *sig = d2i_ECDSA_SIG(NULL, &p, (long)len);
        ok = sig && BN_bn2binpad(ECDSA_SIG_get0_r(sig), signature, 32) == 32 &&
             BN_bn2binpad(ECDSA_SIG_get0_s(sig), signature + 32, 32) == 32;
        ECDSA_SIG_free(sig);
    }
    return ok ? 0 : -1;
}

int main(int argc, char **argv) {
    static const char hardware_id[] = "HW-FC-0042", platform[] = "PLAT-A", market[] = "EU";
    uint8_t nonce[MODELSEAL_MAX_NONCE_LEN], *bundle, *r;
    size_t nonce_len = 0, bundle_len = 0, root_len = 0, report_len = 0;
    uint64_t sequence;
    char text[32];
    modelseal_policy policy;
    modelseal_report_signer signer;
    modelseal_status status;
    EVP_PKEY *key;
    FILE *kf;

    if (argc != 7) {
        fprintf(stderr, "usage: ecu-answer <root.msr> <bundle.msb> <state-dir> <device-key.pem> "
                        "<serial> <nonce-hex>\n");
        return EXIT_USAGE;
    }
    if (!hex_nonce(argv[6], nonce, sizeof nonce, &nonce_len)) {
        fprintf(stderr, "ecu-answer: the nonce is not hex of at most %d bytes\n",
                MODELSEAL_MAX_NONCE_LEN);
        return EXIT_USAGE;
    }
    r = read_all(argv[1], &root_len);
    bundle = read_all(argv[2], &bundle_len);
    kf = fopen(argv[4], "r");
    key = kf ? PEM_read_PrivateKey(kf, NULL, NULL, NULL) : NULL;
    if (kf) fclose(kf);
    if (!r || root_len > sizeof root || !bundle || !key) {
        fprintf(stderr, "ecu-answer: cannot read the root, the bundle or the device key\n");
        return EXIT_INPUT;
    }
    memcpy(root, r, root_len);
    free(r);

    /* Boot: verify what is installed, as c-boot does. */
    memset(&policy, 0, sizeof policy);
    policy.kind = MODELSEAL_KIND_COMPONENT;
    policy.min_stage = MODELSEAL_STAGE_STAGING;
    policy.expiry = MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK;
    policy.hardware_id = hardware_id;
    policy.hardware_id_len = sizeof hardware_id - 1;
    policy.platform = platform;
    policy.platform_len = sizeof platform - 1;
    policy.market = market;
    policy.market_len = sizeof market - 1;
    policy.component_floor = read_u64(argv[3], "counter-floor");
    status = modelseal_verifier_init(&verifier, root, root_len, &policy, NULL);
    /* This ECU takes weights under fs-verity digests. */
    if (status == MODELSEAL_STATUS_OK) status = modelseal_verifier_accept_verity(&verifier);
    if (status == MODELSEAL_STATUS_OK) {
        status = modelseal_verifier_verify_bundle_bytes(&verifier, bundle, bundle_len);
    }
    if (status != MODELSEAL_STATUS_OK) {
        printf("ecu-answer: boot refused: %s (status %u)\n", modelseal_status_str(status),
               (unsigned)status);
        return (int)status;
    }

    /* The report's sequence number is persisted before the report leaves. */
    sequence = read_u64(argv[3], "report-sequence") + 1;
    snprintf(text, sizeof text, "%" PRIu64 "\n", sequence);
    if (!write_file(argv[3], "report-sequence", text, strlen(text))) return EXIT_STATE;

    signer.algorithm = EVP_PKEY_id(key) == EVP_PKEY_ED25519 ? MODELSEAL_REPORT_ALG_ED25519
                       : EVP_PKEY_id(key) == EVP_PKEY_EC   ? MODELSEAL_REPORT_ALG_ECDSA_P256
                                                           : 0;
    signer.user = key;
    signer.sign = element_sign;
    status = modelseal_verifier_encode_report(&verifier, nonce, nonce_len, sequence, NULL,
                                              argv[5], strlen(argv[5]), &signer, report,
                                              sizeof report, &report_len);
    EVP_PKEY_free(key);
    /* The bundle stays borrowed by the context until here. */
    free(bundle);
    if (status != MODELSEAL_STATUS_OK) {
        printf("ecu-answer: no report: %s (status %u)\n", modelseal_status_str(status),
               (unsigned)status);
        return (int)status;
    }
    if (!write_file(argv[3], "report.bin", report, report_len)) return EXIT_STATE;
    printf("ecu-answer: report #%" PRIu64 " (%zu bytes) signed by the device key\n", sequence,
           report_len);
    return 0;
}
