/*
 * hil-readback: what a HiL rig does with the unsigned identity summary an
 * ECU reports (over UDS ReadDataByIdentifier, a debug link, or the file
 * c-boot writes). The summary is a transport check, not evidence: anyone
 * can write one. A rig that must know what the ECU runs asks for a signed
 * version report instead (ask.sh, ecu-answer.c beside this file).
 *
 *   hil-readback <identity> <root.msr> <expected-bundle.msb>
 *
 * <identity> is the record as received: binary, or hex text (whitespace
 * allowed), or "-" for standard input. The record is decoded and printed,
 * then checked against the bundle the rig meant to install: the expected
 * bundle is verified against the trust root with the ECU's policy
 * (HW-FC-0042, PLAT-A, EU, component, Staging or better, no trusted clock),
 * and its identity is compared field by field. The manifest digest decides;
 * the other fields explain a mismatch. The system configuration is not
 * compared: it depends on what the ECU had installed before.
 *
 * Exit status: 0 the summary names the expected bundle; 1 it names
 * something else; 2 the record is damaged or not a record (the modelseal status is
 * printed); 3 the expected bundle does not verify; 64 usage or unreadable
 * input.
 */
#define _POSIX_C_SOURCE 200809L

#include "modelseal.h"

#include <ctype.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { MATCH = 0, MISMATCH = 1, BAD_RECORD = 2, BAD_EXPECTED = 3, USAGE = 64 };

static uint8_t *read_all(const char *path, size_t *len) {
    FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
    uint8_t *buf = NULL;
    size_t cap = 0, n = 0;
    if (!f) return NULL;
    for (;;) {
        size_t got;
        if (n == cap) {
            uint8_t *grown = realloc(buf, cap ? 2 * cap : 4096);
            if (!grown) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = grown;
            cap = cap ? 2 * cap : 4096;
        }
        got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0) break;
    }
    if (f != stdin) fclose(f);
    *len = n;
    return buf;
}

static int hex_value(int c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Hex text becomes bytes in place; binary is left as it is. */
static size_t unhex(uint8_t *buf, size_t len) {
    size_t i, digits = 0, out = 0;
    int hi = -1;
    for (i = 0; i < len; i++) {
        if (isspace(buf[i])) continue;
        if (hex_value(buf[i]) < 0) return len; /* binary */
        digits++;
    }
    if (digits == 0 || digits % 2 != 0) return len;
    for (i = 0; i < len; i++) {
        int v = hex_value(buf[i]);
        if (v < 0) continue;
        if (hi < 0) {
            hi = v;
        } else {
            buf[out++] = (uint8_t)(hi << 4 | v);
            hi = -1;
        }
    }
    return out;
}

static void print_hex(const uint8_t *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) printf("%02x", b[i]);
}

static void print_identity(const char *title, const modelseal_identity *id) {
    unsigned i;
    printf("%s\n  manifest digest  ", title);
    print_hex(id->manifest_digest, MODELSEAL_DIGEST_LEN);
    printf("\n  kind             %s\n",
           id->kind == MODELSEAL_KIND_COMPONENT ? "component" : "system-config");
    printf("  version          %s\n", id->version);
    printf("  security counter %" PRIu64 "\n", id->security_counter);
    printf("  trust root       v%" PRIu32 "\n", id->root_version);
    if (id->config.present) {
        printf("  configuration    %s %s\n", id->config.config_id, id->config.config_version);
    } else {
        printf("  configuration    none\n");
    }
    for (i = 0; i < id->component_count; i++) {
        printf("  component        %s %s (stage %u)\n", id->components[i].family,
               id->components[i].version, (unsigned)id->components[i].stage);
    }
    for (i = 0; i < id->signer_count; i++) {
        printf("  signed by key    ");
        print_hex(id->signers[i], MODELSEAL_KEY_ID_LEN);
        printf("\n");
    }
}

/* Prints a line per differing field; returns how many differ. */
static int compare(const modelseal_identity *got, const modelseal_identity *want) {
    int diffs = 0;
    unsigned i;
    if (memcmp(got->manifest_digest, want->manifest_digest, MODELSEAL_DIGEST_LEN) != 0) {
        printf("  differs: manifest digest\n");
        diffs++;
    }
    if (got->kind != want->kind) {
        printf("  differs: kind\n");
        diffs++;
    }
    if (strcmp(got->version, want->version) != 0) {
        printf("  differs: version (%s, expected %s)\n", got->version, want->version);
        diffs++;
    }
    if (got->security_counter != want->security_counter) {
        printf("  differs: security counter (%" PRIu64 ", expected %" PRIu64 ")\n",
               got->security_counter, want->security_counter);
        diffs++;
    }
    if (got->root_version != want->root_version) {
        printf("  differs: trust root (v%" PRIu32 ", expected v%" PRIu32 ")\n", got->root_version,
               want->root_version);
        diffs++;
    }
    if (got->component_count != want->component_count) {
        printf("  differs: component count\n");
        diffs++;
    } else {
        for (i = 0; i < got->component_count; i++) {
            const modelseal_component *a = &got->components[i], *b = &want->components[i];
            if (strcmp(a->family, b->family) || strcmp(a->version, b->version) ||
                a->stage != b->stage) {
                printf("  differs: component %s %s (expected %s %s)\n", a->family, a->version,
                       b->family, b->version);
                diffs++;
            }
        }
    }
    if (got->signer_count != want->signer_count ||
        memcmp(got->signers, want->signers, (size_t)got->signer_count * MODELSEAL_KEY_ID_LEN)) {
        printf("  differs: signers\n");
        diffs++;
    }
    return diffs;
}

int main(int argc, char **argv) {
    static const char hw[] = "HW-FC-0042", platform[] = "PLAT-A", market[] = "EU";
    uint8_t *record, *root, *bundle;
    size_t record_len = 0, root_len = 0, bundle_len = 0;
    modelseal_identity got, want;
    modelseal_verifier verifier;
    modelseal_policy policy;
    modelseal_status s;
    int diffs;

    if (argc != 4) {
        fprintf(stderr, "usage: hil-readback <identity|-> <root.msr> <expected-bundle.msb>\n");
        return USAGE;
    }
    record = read_all(argv[1], &record_len);
    root = read_all(argv[2], &root_len);
    bundle = read_all(argv[3], &bundle_len);
    if (!record || !root || !bundle) {
        fprintf(stderr, "hil-readback: cannot read the inputs\n");
        return USAGE;
    }
    record_len = unhex(record, record_len);

    s = modelseal_identity_decode(record, record_len, NULL, &got);
    if (s != MODELSEAL_STATUS_OK) {
        printf("identity record refused: %s (status %u)\n", modelseal_status_str(s), (unsigned)s);
        return BAD_RECORD;
    }
    print_identity("reported by the ECU", &got);

    memset(&policy, 0, sizeof policy);
    policy.kind = MODELSEAL_KIND_COMPONENT;
    policy.min_stage = MODELSEAL_STAGE_STAGING;
    policy.expiry = MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK;
    policy.hardware_id = hw;
    policy.hardware_id_len = sizeof hw - 1;
    policy.platform = platform;
    policy.platform_len = sizeof platform - 1;
    policy.market = market;
    policy.market_len = sizeof market - 1;
    s = modelseal_verifier_init(&verifier, root, root_len, &policy, NULL);
    /* The rig reads back whatever the ECU may install, fs-verity weights too. */
    if (s == MODELSEAL_STATUS_OK) s = modelseal_verifier_accept_verity(&verifier);
    if (s == MODELSEAL_STATUS_OK) s = modelseal_verifier_verify_bundle_bytes(&verifier, bundle, bundle_len);
    if (s == MODELSEAL_STATUS_OK) s = modelseal_verifier_get_identity(&verifier, &want);
    if (s != MODELSEAL_STATUS_OK) {
        printf("expected bundle refused: %s (status %u)\n", modelseal_status_str(s), (unsigned)s);
        return BAD_EXPECTED;
    }

    diffs = compare(&got, &want);
    if (diffs == 0) {
        printf("consistent: the unsigned summary names the expected bundle (not evidence: "
               "ask for a signed version report)\n");
    } else {
        printf("MISMATCH: the summary names another bundle than the expected one\n");
    }
    free(record);
    free(root);
    free(bundle);
    return diffs == 0 ? MATCH : MISMATCH;
}
