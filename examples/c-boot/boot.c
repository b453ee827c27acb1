/*
 * c-boot: the boot-time check of an ECU, written as firmware would write it.
 *
 *   c-boot <root.msr> <bundle.msb> [<state-dir>]
 *
 * A file stands in for the flash partition holding the bundle and is read
 * through the read callback; another file stands in for the provisioned
 * trust root. The device policy is fixed, as in firmware: hardware id
 * HW-FC-0042, platform PLAT-A, market EU, component bundles, stage Staging
 * or better, no trusted clock, counter floor 0 out of the factory.
 *
 * <state-dir> stands in for the ECU's non-volatile memory: when given, the
 * stored counter floor (file `counter-floor`) and a root persisted after a
 * rotation (file `root.msr`) are used, and after a successful check the new
 * floor, any new root and the identity record (`identity.bin`, what a
 * diagnostic read returns) are written back. Real firmware writes the
 * floor and root only once the new software has confirmed itself (see
 * docs/C-API.md, "What to persist, and when"); this example has no new
 * software to run, so it stands in for a confirmation right after the
 * check.
 *
 * No heap: the context, the work buffer and the root live in static
 * storage sized at compile time. The work buffer is sized for the largest
 * head this ECU ships (BOOT_MAX_HEAD_LEN, settable with -D); the bundle's
 * own header says how much it needs, and a bundle whose head does not fit
 * is refused with MODELSEAL_STATUS_BUFFER_TOO_SMALL.
 *
 * Exit status: 0 when the bundle verified; otherwise the modelseal status
 * number of the refusal (for example 27 artifact digest mismatch = tampered,
 * 20 rollback, 16 wrong hardware, 11 signature rejected, 29 a head larger
 * than BOOT_MAX_HEAD_LEN; see include/modelseal.h), or 100 usage, 101 root
 * unreadable, 102 bundle unreadable, 103 state not writable.
 */
#define _POSIX_C_SOURCE 200809L

#include "modelseal.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { EXIT_USAGE = 100, EXIT_ROOT = 101, EXIT_BUNDLE = 102, EXIT_STATE = 103 };

/* The largest bundle head this ECU ships, in bytes (a component head is a
 * few KiB). MODELSEAL_MAX_HEAD_LEN bounds what the format allows. */
#ifndef BOOT_MAX_HEAD_LEN
#define BOOT_MAX_HEAD_LEN (64u * 1024u)
#endif

static modelseal_verifier verifier;
/* The head plus a read chunk: MODELSEAL_WORK_BUF_LEN is the library's rule. */
static uint8_t work[MODELSEAL_WORK_BUF_LEN(BOOT_MAX_HEAD_LEN)];
static uint8_t root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN];
static uint8_t new_root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN];
static uint8_t record[MODELSEAL_MAX_IDENTITY_LEN];

/* ---- the "flash" driver: the bundle file, read at an offset */

typedef struct {
    FILE *file;
} flash_partition;

static int flash_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    flash_partition *p = user;
    if (offset > (uint64_t)LONG_MAX) return -1;
    if (fseek(p->file, (long)offset, SEEK_SET) != 0) return -1;
    return fread(buf, 1, len, p->file) == len ? 0 : -1;
}

/* ---- the "non-volatile memory": small files in the state directory */

static int nvm_path(char *out, size_t cap, const char *dir, const char *name) {
    int n = snprintf(out, cap, "%s/%s", dir, name);
    return n > 0 && (size_t)n < cap;
}

static size_t read_file(const char *path, uint8_t *buf, size_t cap) {
    FILE *f = fopen(path, "rb");
    size_t n;
    if (!f) return 0;
    n = fread(buf, 1, cap, f);
    if (!feof(f) && fgetc(f) != EOF) n = 0; /* larger than the buffer */
    fclose(f);
    return n;
}

static int write_file(const char *path, const void *data, size_t len) {
    FILE *f = fopen(path, "wb");
    int ok;
    if (!f) return 0;
    ok = fwrite(data, 1, len, f) == len;
    ok = fclose(f) == 0 && ok;
    return ok;
}

static uint64_t nvm_counter_floor(const char *dir) {
    char path[1024], text[32] = {0};
    if (!dir || !nvm_path(path, sizeof path, dir, "counter-floor")) return 0;
    if (read_file(path, (uint8_t *)text, sizeof text - 1) == 0) return 0;
    return strtoull(text, NULL, 10);
}

/* ---- printing */

static void print_hex(const uint8_t *b, size_t n) {
    size_t i;
    for (i = 0; i < n; i++) printf("%02x", b[i]);
}

static const char *stage_name(uint8_t stage) {
    switch (stage) {
    case MODELSEAL_STAGE_DEVELOPMENT: return "development";
    case MODELSEAL_STAGE_STAGING: return "staging";
    case MODELSEAL_STAGE_PRODUCTION: return "production";
    default: return "other";
    }
}

static void print_identity(const modelseal_verifier *v, const uint8_t *rec, size_t rec_len) {
    uint8_t digest[MODELSEAL_DIGEST_LEN], kind = 0;
    uint64_t counter = 0;
    uint32_t root_version = 0;
    char version[MODELSEAL_ID_BUF_LEN];
    size_t n = 0, count = 0, i;
    modelseal_config_ref config;
    modelseal_identity id;

    modelseal_verifier_get_manifest_digest(v, digest, sizeof digest);
    modelseal_verifier_get_kind(v, &kind);
    modelseal_verifier_get_bundle_version(v, version, sizeof version, &n);
    modelseal_verifier_get_security_counter(v, &counter);
    modelseal_verifier_get_root_version(v, &root_version);
    modelseal_verifier_get_config(v, &config);
    modelseal_verifier_get_component_count(v, &count);

    printf("installed identity\n  manifest digest  ");
    print_hex(digest, sizeof digest);
    printf("\n  kind             %s\n", kind == MODELSEAL_KIND_COMPONENT ? "component"
                                                                          : "system-config");
    printf("  version          %s\n", version);
    printf("  security counter %" PRIu64 "\n", counter);
    printf("  trust root       v%" PRIu32 "\n", root_version);
    if (config.present) {
        printf("  configuration    %s %s (", config.config_id, config.config_version);
        print_hex(config.digest, 8);
        printf("...)\n");
    } else {
        printf("  configuration    none\n");
    }
    for (i = 0; i < count; i++) {
        modelseal_component c;
        if (modelseal_verifier_get_component(v, i, &c) == MODELSEAL_STATUS_OK) {
            printf("  component        %s %s (%s)\n", c.family, c.version, stage_name(c.stage));
        }
    }
    if (modelseal_verifier_get_identity(v, &id) == MODELSEAL_STATUS_OK) {
        for (i = 0; i < id.signer_count; i++) {
            printf("  signed by key    ");
            print_hex(id.signers[i], MODELSEAL_KEY_ID_LEN);
            printf("\n");
        }
    }
    printf("  identity record  ");
    print_hex(rec, rec_len);
    printf("\n");
}

int main(int argc, char **argv) {
    static const char hardware_id[] = "HW-FC-0042", platform[] = "PLAT-A", market[] = "EU";
    const char *state = argc > 3 ? argv[3] : NULL;
    char path[1024];
    size_t root_len = 0, rec_len = 0, new_root_len = 0;
    uint64_t floor = 0, new_floor = 0;
    long bundle_len;
    flash_partition flash;
    modelseal_policy policy;
    modelseal_status status;

    if (argc < 3 || argc > 4) {
        fprintf(stderr, "usage: c-boot <root.msr> <bundle.msb> [<state-dir>]\n");
        return EXIT_USAGE;
    }

    /* The trust root: a persisted one after a rotation, else the provisioned one. */
    if (state && nvm_path(path, sizeof path, state, "root.msr")) {
        root_len = read_file(path, root, sizeof root);
    }
    if (root_len == 0) root_len = read_file(argv[1], root, sizeof root);
    if (root_len == 0) {
        fprintf(stderr, "c-boot: cannot read the trust root %s\n", argv[1]);
        return EXIT_ROOT;
    }
    floor = nvm_counter_floor(state);

    flash.file = fopen(argv[2], "rb");
    if (!flash.file || fseek(flash.file, 0, SEEK_END) != 0 || (bundle_len = ftell(flash.file)) < 0) {
        fprintf(stderr, "c-boot: cannot read the bundle %s\n", argv[2]);
        return EXIT_BUNDLE;
    }

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
    policy.component_floor = floor;

    status = modelseal_verifier_init(&verifier, root, root_len, &policy, NULL);
    /* This ECU loads large weights under fs-verity digests. A firmware
     * whose bundles carry only flat digests leaves this call out and does
     * not link the fs-verity hasher. */
    if (status == MODELSEAL_STATUS_OK) status = modelseal_verifier_accept_verity(&verifier);
    if (status == MODELSEAL_STATUS_OK) {
        /* What the bundle needs: its header states its head length. (A
         * bundle shorter than a header is judged on what it has.) */
        uint8_t header[MODELSEAL_BUNDLE_HEADER_LEN];
        size_t header_len = bundle_len < (long)sizeof header ? (size_t)bundle_len : sizeof header;
        size_t head_len = 0;
        status = flash_read(&flash, 0, header, header_len) == 0
                     ? modelseal_bundle_get_head_len(header, header_len, &head_len)
                     : MODELSEAL_STATUS_READ;
        if (status == MODELSEAL_STATUS_OK && MODELSEAL_WORK_BUF_LEN(head_len) > sizeof work) {
            fprintf(stderr, "c-boot: the bundle's head (%zu bytes) exceeds this ECU's budget (%u)\n",
                    head_len, (unsigned)BOOT_MAX_HEAD_LEN);
            status = MODELSEAL_STATUS_BUFFER_TOO_SMALL;
        }
    }
    if (status == MODELSEAL_STATUS_OK) {
        status = modelseal_verifier_verify_bundle(&verifier, flash_read, &flash,
                                                  (uint64_t)bundle_len, work, sizeof work);
    }
    fclose(flash.file);
    if (status != MODELSEAL_STATUS_OK) {
        printf("boot refused: %s (status %u)\n", modelseal_status_str(status), (unsigned)status);
        return (int)status;
    }

    /* What the device persists once the new software has confirmed itself
     * (here, at once: see the top of this file). */
    status = modelseal_verifier_encode_identity(&verifier, record, sizeof record, &rec_len);
    if (status == MODELSEAL_STATUS_OK)
        status = modelseal_verifier_get_counter_floor(&verifier, &new_floor);
    if (status == MODELSEAL_STATUS_OK)
        status = modelseal_verifier_get_new_root(&verifier, new_root, sizeof new_root, &new_root_len);
    if (status != MODELSEAL_STATUS_OK) {
        printf("boot refused: %s (status %u)\n", modelseal_status_str(status), (unsigned)status);
        return (int)status;
    }

    printf("boot ok: bundle verified\n");
    print_identity(&verifier, record, rec_len);
    printf("persist: counter floor %" PRIu64 "%s\n", new_floor,
           new_root_len ? ", new trust root (rotation)" : "");

    if (state) {
        char text[32];
        int n = snprintf(text, sizeof text, "%" PRIu64 "\n", new_floor);
        int ok = nvm_path(path, sizeof path, state, "counter-floor") &&
                 write_file(path, text, (size_t)n);
        if (ok && new_root_len) {
            ok = nvm_path(path, sizeof path, state, "root.msr") &&
                 write_file(path, new_root, new_root_len);
        }
        if (ok) {
            ok = nvm_path(path, sizeof path, state, "identity.bin") &&
                 write_file(path, record, rec_len);
        }
        if (!ok) {
            fprintf(stderr, "c-boot: cannot write the state in %s\n", state);
            return EXIT_STATE;
        }
    }
    return 0;
}
