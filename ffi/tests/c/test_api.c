/*
 * C tests of the modelseal C API, through the real header and library.
 * Built with -std=c99 -Wall -Wextra -Wpedantic -Werror and run under
 * AddressSanitizer and UndefinedBehaviorSanitizer by ffi/tests/run.sh.
 *
 * Usage: test_api <tests/data>
 *
 * - every case under tests/data gets exactly its expected status, through
 *   the read callback (several work-buffer sizes), from memory, and (for
 *   valid bundles) per chunk with chunk sizes from 1 byte to whole artifacts;
 * - every status number is reached from C;
 * - NULL, zero-length and too-small buffers get a status and leave outputs
 *   untouched; read-callback and hash-engine failures at every call;
 * - identity encode/decode, new root after rotation, configuration binding;
 * - byte flips of a whole bundle head never verify and never crash.
 */
#define _POSIX_C_SOURCE 200809L

#include "modelseal.h"
#include "sha256.h"
#include "test_policy.h"

#include <openssl/evp.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The context is the size and alignment the macros say (C99 static
 * assertions: a negative array size fails the build). */
#define STATIC_ASSERT(name, cond) typedef char static_assert_##name[(cond) ? 1 : -1]
struct align_probe {
    char c;
    modelseal_verifier v;
};
STATIC_ASSERT(context_size, sizeof(modelseal_verifier) == MODELSEAL_VERIFIER_SIZE);
STATIC_ASSERT(context_align, offsetof(struct align_probe, v) == MODELSEAL_VERIFIER_ALIGN);
STATIC_ASSERT(status_32_bits, sizeof(modelseal_status) == 4);
STATIC_ASSERT(context_within_4k, MODELSEAL_VERIFIER_SIZE <= 4096);
/* The work buffer rule, a constant expression usable for a static buffer. */
STATIC_ASSERT(work_buf_len, MODELSEAL_WORK_BUF_LEN(100) == 100 + MODELSEAL_MIN_READ_CHUNK);
STATIC_ASSERT(work_buf_max, MODELSEAL_WORK_BUF_LEN(MODELSEAL_MAX_HEAD_LEN) ==
                                MODELSEAL_MAX_WORK_BUF_LEN);

/* ------------------------------------------------------------ reporting */

static unsigned long passed, failed;

/* Every status number the C tests reached. */
static int reached[128];

#define CHECK(cond)                                                                 \
    do {                                                                            \
        if (cond) {                                                                 \
            passed++;                                                               \
        } else {                                                                    \
            failed++;                                                               \
            fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
        }                                                                           \
    } while (0)

static void check_status(const char *file, int line, const char *what, modelseal_status got,
                         modelseal_status want) {
    if (got < 128) reached[got] = 1;
    if (got == want) {
        passed++;
        return;
    }
    failed++;
    fprintf(stderr, "%s:%d: %s\n    = %u (%s), want %u (%s)\n", file, line, what, (unsigned)got,
            modelseal_status_str(got), (unsigned)want, modelseal_status_str(want));
}
#define CHECK_ST(call, want) check_status(__FILE__, __LINE__, #call, (call), (want))

static modelseal_status note(modelseal_status s) {
    if (s < 128) reached[s] = 1;
    return s;
}

/* --------------------------------------------------------------- files */

typedef struct {
    uint8_t *data;
    size_t len;
} blob;

static blob load(const char *dir, const char *name) {
    char path[1024];
    blob b = {NULL, 0};
    FILE *f;
    long n;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "rb");
    if (!f) return b;
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return b;
    }
    b.data = malloc((size_t)n + 1);
    if (b.data && fread(b.data, 1, (size_t)n, f) == (size_t)n) {
        b.len = (size_t)n;
    } else {
        free(b.data);
        b.data = NULL;
    }
    fclose(f);
    return b;
}

/* ------------------------------------------------------------ policies */

typedef struct {
    uint8_t kind;
    char hardware_id[128], serial[128], platform[128], market[128];
    uint64_t counter_floor;
    unsigned min_stage;
    int has_time;
    uint64_t trusted_time;
} policy_spec;

static void trim(char *s) {
    size_t n = strlen(s);
    while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r' || s[n - 1] == ' ')) s[--n] = 0;
}

/* Parses a case's policy.txt ("key = value" lines). */
static int parse_policy(const char *dir, policy_spec *p) {
    blob b = load(dir, "policy.txt");
    char *line, *save = NULL;
    memset(p, 0, sizeof *p);
    if (!b.data) return 0;
    b.data[b.len] = 0;
    for (line = strtok_r((char *)b.data, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char key[64], value[128];
        if (sscanf(line, " %63[^ =] = %127[^\n]", key, value) != 2) continue;
        trim(value);
        if (!strcmp(key, "kind")) {
            p->kind = !strcmp(value, "system-config") ? MODELSEAL_KIND_SYSTEM_CONFIG
                                                       : MODELSEAL_KIND_COMPONENT;
        } else if (!strcmp(key, "hardware_id")) {
            snprintf(p->hardware_id, sizeof p->hardware_id, "%s", value);
        } else if (!strcmp(key, "serial")) {
            snprintf(p->serial, sizeof p->serial, "%s", value);
        } else if (!strcmp(key, "platform")) {
            snprintf(p->platform, sizeof p->platform, "%s", value);
        } else if (!strcmp(key, "market")) {
            snprintf(p->market, sizeof p->market, "%s", value);
        } else if (!strcmp(key, "counter_floor")) {
            p->counter_floor = strtoull(value, NULL, 10);
        } else if (!strcmp(key, "min_stage")) {
            p->min_stage = (unsigned)strtoul(value, NULL, 10);
        } else if (!strcmp(key, "trusted_time")) {
            p->has_time = strcmp(value, "none") != 0;
            p->trusted_time = p->has_time ? strtoull(value, NULL, 10) : 0;
        } else {
            /* A policy field this test does not know would be ignored
             * silently: refuse the case instead. */
            fprintf(stderr, "%s/policy.txt: unknown key %s\n", dir, key);
            free(b.data);
            return 0;
        }
    }
    free(b.data);
    return p->hardware_id[0] != 0;
}

static void set_str(const char **ptr, size_t *len, const char *s) {
    *ptr = s[0] ? s : NULL;
    *len = s[0] ? strlen(s) : 0;
}

static modelseal_policy to_policy(const policy_spec *s) {
    modelseal_policy p;
    memset(&p, 0, sizeof p);
    p.kind = s->kind;
    p.min_stage = (uint8_t)s->min_stage;
    p.expiry = s->has_time ? MODELSEAL_EXPIRY_CHECKED_AT
                           : MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK;
    p.trusted_time = s->trusted_time;
    set_str(&p.hardware_id, &p.hardware_id_len, s->hardware_id);
    set_str(&p.serial, &p.serial_len, s->serial);
    set_str(&p.platform, &p.platform_len, s->platform);
    set_str(&p.market, &p.market_len, s->market);
    /* One floor per kind: the case's floor is its slot's. */
    if (s->kind == MODELSEAL_KIND_SYSTEM_CONFIG)
        p.system_config_floor = s->counter_floor;
    else
        p.component_floor = s->counter_floor;
    return p;
}

/* ---------------------------------------------------- status names */

static const struct {
    const char *name;
    modelseal_status status;
} NAMES[] = {
    {"BadMagic", MODELSEAL_STATUS_BAD_MAGIC},
    {"UnsupportedVersion", MODELSEAL_STATUS_UNSUPPORTED_VERSION},
    {"Truncated", MODELSEAL_STATUS_TRUNCATED},
    {"TrailingBytes", MODELSEAL_STATUS_TRAILING_BYTES},
    {"Malformed", MODELSEAL_STATUS_MALFORMED},
    {"LimitExceeded", MODELSEAL_STATUS_LIMIT_EXCEEDED},
    {"Invalid", MODELSEAL_STATUS_INVALID},
    {"WrongDocumentType", MODELSEAL_STATUS_WRONG_DOCUMENT_TYPE},
    {"RootInvalid", MODELSEAL_STATUS_ROOT_INVALID},
    {"RootVersionNotNext", MODELSEAL_STATUS_ROOT_VERSION_NOT_NEXT},
    {"SignatureRejected", MODELSEAL_STATUS_SIGNATURE_REJECTED},
    {"RootExpired", MODELSEAL_STATUS_ROOT_EXPIRED},
    {"ManifestExpired", MODELSEAL_STATUS_MANIFEST_EXPIRED},
    {"UnsupportedExtension", MODELSEAL_STATUS_UNSUPPORTED_EXTENSION},
    {"WrongKind", MODELSEAL_STATUS_WRONG_KIND},
    {"WrongHardware", MODELSEAL_STATUS_WRONG_HARDWARE},
    {"WrongSerial", MODELSEAL_STATUS_WRONG_SERIAL},
    {"WrongPlatform", MODELSEAL_STATUS_WRONG_PLATFORM},
    {"WrongMarket", MODELSEAL_STATUS_WRONG_MARKET},
    {"Rollback", MODELSEAL_STATUS_ROLLBACK},
    {"StageTooLow", MODELSEAL_STATUS_STAGE_TOO_LOW},
    {"LineageIncomplete", MODELSEAL_STATUS_LINEAGE_INCOMPLETE},
    {"NotInConfiguration", MODELSEAL_STATUS_NOT_IN_CONFIGURATION},
    {"NoSuchArtifact", MODELSEAL_STATUS_NO_SUCH_ARTIFACT},
    {"ArtifactTooLong", MODELSEAL_STATUS_ARTIFACT_TOO_LONG},
    {"ArtifactTruncated", MODELSEAL_STATUS_ARTIFACT_TRUNCATED},
    {"ArtifactDigestMismatch", MODELSEAL_STATUS_ARTIFACT_DIGEST_MISMATCH},
    {"ArtifactsIncomplete", MODELSEAL_STATUS_ARTIFACTS_INCOMPLETE},
    {"BufferTooSmall", MODELSEAL_STATUS_BUFFER_TOO_SMALL},
    {"Read", MODELSEAL_STATUS_READ},
    {"HashEngine", MODELSEAL_STATUS_HASH_ENGINE},
    {"InvalidState", MODELSEAL_STATUS_INVALID_STATE},
    {"IdentityCheck", MODELSEAL_STATUS_IDENTITY_CHECK},
};

static int status_of_name(const char *name, modelseal_status *out) {
    size_t i;
    if (!strcmp(name, "ok")) {
        *out = MODELSEAL_STATUS_OK;
        return 1;
    }
    for (i = 0; i < sizeof NAMES / sizeof NAMES[0]; i++) {
        if (!strcmp(NAMES[i].name, name)) {
            *out = NAMES[i].status;
            return 1;
        }
    }
    return 0;
}

/* -------------------------------------------------- read callback, engine */

typedef struct {
    const uint8_t *data;
    size_t len;
    long calls;
    long fail_at; /* fail the call with this number (1-based); 0: never */
} mem_reader;

static int mem_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    mem_reader *r = user;
    r->calls++;
    if (r->fail_at > 0 && r->calls == r->fail_at) return -1;
    if (offset > r->len || len > r->len - offset) return -1;
    memcpy(buf, r->data + offset, len);
    return 0;
}

/* A SHA-256 "accelerator" in C, with failure injection. */
typedef struct {
    sha256_ctx s;
    long calls;
    long fail_at;
    /* Memory another bus master rewrites: after finish call number
     * `poke_after_finish`, `poke_len` bytes of `poke_src` go to `poke_dst`. */
    long finishes;
    long poke_after_finish;
    uint8_t *poke_dst;
    const uint8_t *poke_src;
    size_t poke_len;
} test_engine;

static int te_fail(test_engine *e) {
    e->calls++;
    return e->fail_at > 0 && e->calls == e->fail_at;
}
static int te_start(void *user) {
    test_engine *e = user;
    if (te_fail(e)) return 1;
    sha256_init(&e->s);
    return 0;
}
static int te_update(void *user, const uint8_t *data, size_t len) {
    test_engine *e = user;
    if (te_fail(e)) return 1;
    if (len > 0) sha256_update(&e->s, data, len);
    return 0;
}
static int te_finish(void *user, uint8_t *out) {
    test_engine *e = user;
    if (te_fail(e)) return 1;
    sha256_final(&e->s, out);
    e->finishes++;
    if (e->poke_dst && e->finishes == e->poke_after_finish)
        memcpy(e->poke_dst, e->poke_src, e->poke_len);
    return 0;
}
static modelseal_sha256_engine engine_of(test_engine *e) {
    modelseal_sha256_engine x;
    x.user = e;
    x.start = te_start;
    x.update = te_update;
    x.finish = te_finish;
    return x;
}

/* ------------------------------------------------------ verify helpers */

/* The test device accepts fs-verity digests (the standard component's
 * weights carry one): every test initialises through this, except
 * test_verity_not_accepted, which tests a device that does not. */
static modelseal_status init_accepting(modelseal_verifier *ctx, const uint8_t *root,
                                       size_t root_len, const modelseal_policy *policy,
                                       const modelseal_sha256_engine *engine) {
    modelseal_status s = modelseal_verifier_init(ctx, root, root_len, policy, engine);
    return s == MODELSEAL_STATUS_OK ? modelseal_verifier_accept_verity(ctx) : s;
}

typedef struct {
    blob root, bundle, config;
    policy_spec spec;
    modelseal_status expect;
    modelseal_config_binding binding;
    int has_binding;
} case_data;

/* The policy of a case, with the binding of its system configuration. */
static modelseal_policy case_policy(case_data *c) {
    modelseal_policy p = to_policy(&c->spec);
    if (c->has_binding) p.config = &c->binding;
    return p;
}

static size_t head_len_of(const blob *b) {
    size_t n = 0;
    if (modelseal_bundle_get_head_len(b->data, b->len, &n) != MODELSEAL_STATUS_OK) return 0;
    return n;
}

static modelseal_status via_bytes(modelseal_verifier *ctx, case_data *c, const blob *bundle) {
    modelseal_policy p = case_policy(c);
    modelseal_status s = init_accepting(ctx, c->root.data, c->root.len, &p, NULL);
    if (s != MODELSEAL_STATUS_OK) return s;
    return note(modelseal_verifier_verify_bundle_bytes(ctx, bundle->data, bundle->len));
}

/* Through the read callback, with a work buffer of head + extra bytes
 * (or `fixed` bytes when nonzero). */
static modelseal_status via_reader(modelseal_verifier *ctx, case_data *c, const blob *bundle,
                                   size_t extra, size_t fixed, uint8_t **work_out) {
    modelseal_policy p = case_policy(c);
    mem_reader r = {0, 0, 0, 0};
    size_t work_len = fixed ? fixed : head_len_of(bundle) + extra;
    uint8_t *work = malloc(work_len ? work_len : 1);
    modelseal_status s = init_accepting(ctx, c->root.data, c->root.len, &p, NULL);
    r.data = bundle->data;
    r.len = bundle->len;
    if (s == MODELSEAL_STATUS_OK) {
        s = note(modelseal_verifier_verify_bundle(ctx, mem_read, &r, bundle->len, work, work_len));
    }
    if (work_out) {
        *work_out = work; /* the head stays borrowed while ctx is used */
    } else {
        free(work);
    }
    return s;
}

/* Per chunk: head, then each artifact in `chunk`-byte pieces (0: whole);
 * `reverse` checks the artifacts last to first. The file's length and the
 * padding in front of each payload are checked with the library's helpers,
 * as a caller reading a bundle file does (docs/C-API.md). */
static modelseal_status via_chunks(modelseal_verifier *ctx, case_data *c, const blob *bundle,
                                   size_t chunk, int reverse,
                                   const modelseal_sha256_engine *engine) {
    modelseal_policy p = case_policy(c);
    size_t head_len = 0, count = 0, k;
    uint64_t total = 0;
    modelseal_status s = init_accepting(ctx, c->root.data, c->root.len, &p, engine);
    if (s != MODELSEAL_STATUS_OK) return s;
    s = modelseal_bundle_get_head_len(bundle->data,
                                      bundle->len < MODELSEAL_BUNDLE_HEADER_LEN
                                          ? bundle->len
                                          : MODELSEAL_BUNDLE_HEADER_LEN,
                                      &head_len);
    if (s != MODELSEAL_STATUS_OK) return s;
    if (head_len > bundle->len) return MODELSEAL_STATUS_TRUNCATED;
    s = note(modelseal_verifier_verify_head(ctx, bundle->data, head_len));
    if (s != MODELSEAL_STATUS_OK) return s;
    s = modelseal_verifier_get_bundle_len(ctx, &total);
    if (s != MODELSEAL_STATUS_OK) return s;
    if (total > bundle->len) return MODELSEAL_STATUS_TRUNCATED;
    if (total < bundle->len) return MODELSEAL_STATUS_TRAILING_BYTES;
    s = modelseal_verifier_get_artifact_count(ctx, &count);
    if (s != MODELSEAL_STATUS_OK) return s;
    for (k = 0; k < count; k++) {
        size_t i = reverse ? count - 1 - k : k;
        modelseal_artifact_info info, prev;
        uint64_t pos, gap_start = head_len;
        s = modelseal_verifier_get_artifact(ctx, i, &info);
        if (s != MODELSEAL_STATUS_OK) return s;
        /* the padding in front of it: from the end of the previous payload
         * (or of the head) to its offset */
        if (i > 0) {
            s = modelseal_verifier_get_artifact(ctx, i - 1, &prev);
            if (s != MODELSEAL_STATUS_OK) return s;
            gap_start = prev.offset + prev.size;
        }
        if (gap_start > info.offset || info.offset > bundle->len) return MODELSEAL_STATUS_TRUNCATED;
        s = note(modelseal_verifier_check_padding(ctx, bundle->data + gap_start,
                                                  (size_t)(info.offset - gap_start)));
        if (s != MODELSEAL_STATUS_OK) return s;
        s = note(modelseal_verifier_begin_artifact(ctx, i));
        if (s != MODELSEAL_STATUS_OK) return s;
        for (pos = 0; pos < info.size;) {
            uint64_t left = info.size - pos;
            size_t n = (chunk == 0 || left < chunk) ? (size_t)left : chunk;
            if (info.offset + pos + n > bundle->len) {
                /* The file ends early: feed what there is. */
                n = info.offset + pos < bundle->len ? (size_t)(bundle->len - info.offset - pos) : 0;
                if (n == 0) break;
            }
            s = note(modelseal_verifier_update_artifact(ctx, bundle->data + info.offset + pos, n));
            if (s != MODELSEAL_STATUS_OK) return s;
            pos += n;
        }
        s = note(modelseal_verifier_finish_artifact(ctx));
        if (s != MODELSEAL_STATUS_OK) return s;
    }
    return note(modelseal_verifier_finish(ctx));
}

static size_t identity_of(modelseal_verifier *ctx, uint8_t rec[MODELSEAL_MAX_IDENTITY_LEN]) {
    size_t n = 0;
    if (modelseal_verifier_encode_identity(ctx, rec, MODELSEAL_MAX_IDENTITY_LEN, &n) !=
        MODELSEAL_STATUS_OK) {
        return 0;
    }
    return n;
}

static int load_case(const char *data_dir, const char *name, case_data *c) {
    char dir[1024];
    blob expect;
    char verdict[64] = {0};
    memset(c, 0, sizeof *c);
    snprintf(dir, sizeof dir, "%s/%s", data_dir, name);
    c->root = load(dir, "root.msr");
    c->bundle = load(dir, "bundle.msb");
    c->config = load(dir, "config.msb");
    expect = load(dir, "expect.txt");
    if (!c->root.data || !c->bundle.data || !expect.data || !parse_policy(dir, &c->spec)) {
        fprintf(stderr, "case %s: missing files\n", name);
        free(expect.data);
        return 0;
    }
    expect.data[expect.len] = 0;
    sscanf((char *)expect.data, "%63s", verdict);
    free(expect.data);
    if (!status_of_name(verdict, &c->expect)) {
        fprintf(stderr, "case %s: unknown verdict %s\n", name, verdict);
        return 0;
    }
    if (c->config.data) {
        /* Install the system configuration first, as cases.rs does: same
         * device, system-configuration slot, floor 0. */
        modelseal_verifier ctx;
        policy_spec sc = c->spec;
        modelseal_policy p;
        sc.kind = MODELSEAL_KIND_SYSTEM_CONFIG;
        sc.counter_floor = 0;
        p = to_policy(&sc);
        CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->config.data, c->config.len),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_get_config_binding(&ctx, &c->binding), MODELSEAL_STATUS_OK);
        c->has_binding = 1;
    }
    return 1;
}

static void free_case(case_data *c) {
    free(c->root.data);
    free(c->bundle.data);
    free(c->config.data);
}

/* ------------------------------------------------------------ the tests */

static const size_t CHUNKS[] = {1, 2, 3, 7, 63, 64, 65, 1000, 4096, 4097, 0};

/* Every case directory: the expected status through every entry point. */
static void test_case(const char *data_dir, const char *name) {
    case_data c;
    modelseal_verifier ctx;
    uint8_t ref[MODELSEAL_MAX_IDENTITY_LEN], rec[MODELSEAL_MAX_IDENTITY_LEN];
    size_t ref_len = 0, i;
    static const size_t EXTRA[] = {MODELSEAL_MIN_READ_CHUNK, MODELSEAL_MIN_READ_CHUNK + 1, 4096,
                                   1 << 20};
    if (!load_case(data_dir, name, &c)) {
        failed++;
        return;
    }
    fprintf(stderr, "  %-40s expect %s\n", name, modelseal_status_str(c.expect));

    check_status(name, __LINE__, "from memory", via_bytes(&ctx, &c, &c.bundle), c.expect);
    if (c.expect == MODELSEAL_STATUS_OK) ref_len = identity_of(&ctx, ref);

    for (i = 0; i < sizeof EXTRA / sizeof EXTRA[0]; i++) {
        uint8_t *work = NULL;
        check_status(name, __LINE__, "through the read callback",
                     via_reader(&ctx, &c, &c.bundle, EXTRA[i], 0, &work), c.expect);
        if (c.expect == MODELSEAL_STATUS_OK) {
            size_t n = identity_of(&ctx, rec);
            CHECK(n == ref_len && n > 0 && memcmp(rec, ref, n) == 0);
        }
        free(work);
    }

    /* per chunk, the file's length and padding checked by the library's
     * helpers: the same answer as the whole-bundle calls, for every case */
    check_status(name, __LINE__, "per chunk", via_chunks(&ctx, &c, &c.bundle, 4096, 0, NULL),
                 c.expect);

    if (c.expect == MODELSEAL_STATUS_OK) {
        for (i = 0; i < sizeof CHUNKS / sizeof CHUNKS[0]; i++) {
            size_t n;
            check_status(name, __LINE__, "per chunk",
                         via_chunks(&ctx, &c, &c.bundle, CHUNKS[i], (int)(i & 1), NULL),
                         MODELSEAL_STATUS_OK);
            n = identity_of(&ctx, rec);
            CHECK(n == ref_len && memcmp(rec, ref, n) == 0);
        }
    }
    free_case(&c);
}

/* ------------------------------------------------------------ verify on read */

/* SHA-256 of one 4 KiB tree block: `len` bytes, zero-padded (no salt). */
static void block_hash(const uint8_t *data, size_t len, uint8_t out[32]) {
    static const uint8_t zeros[4096];
    sha256_ctx h;
    sha256_init(&h);
    sha256_update(&h, data, len);
    sha256_update(&h, zeros, 4096 - len);
    sha256_final(&h, out);
}

/* A device that did not call modelseal_verifier_accept_verity refuses a
 * bundle declaring an fs-verity digest once its signatures check, on every
 * path and before any artifact byte is read; accepting works after init,
 * and a new init forgets it. */
static void test_verity_not_accepted(case_data *c) {
    static uint8_t work[64 * 1024];
    modelseal_verifier ctx;
    modelseal_policy p = case_policy(c);
    mem_reader r;
    size_t head_len = 0;

    CHECK_ST(modelseal_bundle_get_head_len(c->bundle.data, c->bundle.len, &head_len),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_accept_verity(NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
    memset(&ctx, 0, sizeof ctx);
    CHECK_ST(modelseal_verifier_accept_verity(&ctx), MODELSEAL_STATUS_INVALID_STATE);

    CHECK_ST(modelseal_verifier_init(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(note(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len)),
             MODELSEAL_STATUS_VERITY_NOT_ACCEPTED);
    /* The whole-bundle read path reads the head and nothing after it. */
    memset(&r, 0, sizeof r);
    r.data = c->bundle.data;
    r.len = c->bundle.len;
    CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, c->bundle.len, work, sizeof work),
             MODELSEAL_STATUS_VERITY_NOT_ACCEPTED);
    CHECK(r.calls == 2); /* the 16-byte header, then the head */
    /* Per chunk: the head is refused. */
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len),
             MODELSEAL_STATUS_VERITY_NOT_ACCEPTED);

    CHECK_ST(modelseal_verifier_accept_verity(&ctx), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_OK);
    /* Accepting forgets the verification done. */
    CHECK_ST(modelseal_verifier_accept_verity(&ctx), MODELSEAL_STATUS_OK);
    {
        uint8_t d[32];
        CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, d, sizeof d),
                 MODELSEAL_STATUS_INVALID_STATE);
    }
    CHECK_ST(modelseal_verifier_init(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_VERITY_NOT_ACCEPTED);
}

/* Verify on read through the C API: the standard component's fs-verity
 * weights with their record from the verified head, then a file of 147
 * blocks (two tree levels) whose tree, descriptor and record are built
 * here with the test SHA-256, as a device that keeps its own record would
 * hold them. Every refusal has its own status; `_read` zeroes what did not
 * verify. */
static void test_verity(case_data *c) {
    enum { BS = 4096, N = 147 * BS - 100, L1 = 2 * BS, TREE = BS + L1 };
    static uint8_t data[N], tree[TREE], bad[TREE], out[2 * BS];
    static uint8_t cache[3 * (BS + MODELSEAL_VERITY_CACHE_TAG_LEN)];
    uint8_t desc[256], root[32];
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    modelseal_verity_info info, flat;
    modelseal_artifact_info art;
    modelseal_verity v;
    mem_reader tr, dr;
    const uint8_t *w;
    size_t i, head_len = head_len_of(&c->bundle);

    /* 1. the bundle's record: artifact 5 (weights, 4,097 bytes) */
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact_verity(&ctx, 5, &info), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact(&ctx, 5, &art), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact_verity(&ctx, 5, &info), MODELSEAL_STATUS_OK);
    CHECK(info.is_verity && info.size == 4097 && info.log_block_size == 12 && info.salt_len == 0);
    CHECK_ST(modelseal_verifier_get_artifact_verity(&ctx, 2, &flat), MODELSEAL_STATUS_OK);
    CHECK(!flat.is_verity);
    CHECK_ST(modelseal_verifier_get_artifact_verity(&ctx, 6, &flat), MODELSEAL_STATUS_NO_SUCH_ARTIFACT);
    CHECK_ST(modelseal_verifier_get_artifact_verity(&ctx, 5, NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
    w = c->bundle.data + art.offset;
    memset(tree, 0, sizeof tree);
    block_hash(w, BS, tree);
    block_hash(w + BS, 1, tree + 32);
    tr.data = tree; tr.len = BS; tr.calls = 0; tr.fail_at = 0;
    CHECK_ST(modelseal_verity_open(&v, &flat, NULL, mem_read, &tr, BS, cache, sizeof cache),
             MODELSEAL_STATUS_INVALID);
    CHECK_ST(modelseal_verity_open(&v, &info, NULL, mem_read, &tr, BS, cache, sizeof cache),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verity_check(&v, 0, w, 4097), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verity_check(&v, BS, w + BS, 1), MODELSEAL_STATUS_OK);
    CHECK_ST(note(modelseal_verity_check(&v, BS, w, 1)), MODELSEAL_STATUS_VERITY_BLOCK_MISMATCH);
    CHECK_ST(note(modelseal_verity_check(&v, 1, w + 1, BS)), MODELSEAL_STATUS_VERITY_MISALIGNED);
    CHECK_ST(note(modelseal_verity_check(&v, 4097, w, 1)), MODELSEAL_STATUS_VERITY_OUT_OF_RANGE);
    CHECK_ST(modelseal_verity_check(&v, 0, NULL, 1), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verity_check(NULL, 0, w, 1), MODELSEAL_STATUS_NULL_ARGUMENT);

    /* 2. a two-level tree, and the record a device keeps for it */
    for (i = 0; i < N; i++) data[i] = (uint8_t)(i * 7 + i / 4099);
    memset(tree, 0, sizeof tree);
    for (i = 0; i * BS < N; i++) {
        size_t len = N - i * BS < BS ? N - i * BS : BS;
        block_hash(data + i * BS, len, tree + BS + 32 * i); /* level 1 */
    }
    block_hash(tree + BS, BS, tree);          /* level 2: the top block */
    block_hash(tree + 2 * BS, BS, tree + 32);
    block_hash(tree, BS, root);
    memset(desc, 0, sizeof desc);
    desc[0] = 1; desc[1] = 1; desc[2] = 12;
    for (i = 0; i < 8; i++) desc[8 + i] = (uint8_t)((uint64_t)N >> (8 * i));
    memcpy(desc + 16, root, 32);
    memset(&info, 0, sizeof info);
    info.size = N; info.is_verity = true; info.log_block_size = 12;
    sha256(desc, sizeof desc, info.digest);
    tr.data = tree; tr.len = TREE;
    CHECK_ST(modelseal_verity_open(&v, &info, NULL, mem_read, &tr, TREE, cache, sizeof cache),
             MODELSEAL_STATUS_OK);
    for (i = 0; i < 147; i += 13) {
        size_t len = N - i * BS < BS ? N - i * BS : BS;
        CHECK_ST(modelseal_verity_check(&v, i * BS, data + i * BS, len), MODELSEAL_STATUS_OK);
    }
    dr.data = data; dr.len = N; dr.calls = 0; dr.fail_at = 0;
    CHECK_ST(modelseal_verity_read(&v, mem_read, &dr, 140 * BS, out, 2 * BS), MODELSEAL_STATUS_OK);
    CHECK(memcmp(out, data + 140 * BS, 2 * BS) == 0);
    dr.fail_at = dr.calls + 1;
    CHECK_ST(note(modelseal_verity_read(&v, mem_read, &dr, 0, out, BS)), MODELSEAL_STATUS_READ);
    data[5] ^= 1;
    CHECK_ST(modelseal_verity_read(&v, mem_read, &dr, 0, out, BS), MODELSEAL_STATUS_VERITY_BLOCK_MISMATCH);
    for (i = 0; i < BS; i++) CHECK(out[i] == 0);
    data[5] ^= 1;
    /* a truncated tree, another file's tree, a corrupt level-1 block */
    CHECK_ST(note(modelseal_verity_open(&v, &info, NULL, mem_read, &tr, TREE - 1, cache, sizeof cache)),
             MODELSEAL_STATUS_VERITY_TREE_TRUNCATED);
    memcpy(bad, tree, TREE);
    bad[40] ^= 1;
    tr.data = bad;
    CHECK_ST(note(modelseal_verity_open(&v, &info, NULL, mem_read, &tr, TREE, cache, sizeof cache)),
             MODELSEAL_STATUS_VERITY_TREE_FOREIGN);
    memcpy(bad, tree, TREE);
    bad[BS + BS + 8] ^= 1; /* the second level-1 block: data blocks 128.. */
    CHECK_ST(modelseal_verity_open(&v, &info, NULL, mem_read, &tr, TREE, cache, sizeof cache),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verity_check(&v, 0, data, BS), MODELSEAL_STATUS_OK);
    CHECK_ST(note(modelseal_verity_check(&v, 130 * BS, data + 130 * BS, BS)),
             MODELSEAL_STATUS_VERITY_TREE_CORRUPT);
    CHECK_ST(modelseal_verity_open(&v, &info, NULL, mem_read, &tr, TREE, cache, 10),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    /* a refused open leaves no context answering */
    CHECK_ST(modelseal_verity_check(&v, 0, data, BS), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verity_open(&v, &info, NULL, NULL, &tr, TREE, cache, sizeof cache),
             MODELSEAL_STATUS_NULL_ARGUMENT);
}

static void test_library(void) {
    unsigned n;
    CHECK(strcmp(modelseal_version(), MODELSEAL_VERSION_STRING) == 0);
    CHECK(strcmp(modelseal_status_str(MODELSEAL_STATUS_OK), "ok") == 0);
    CHECK(strcmp(modelseal_status_str(MODELSEAL_STATUS_ROLLBACK),
                 "security counter below the stored floor (rollback)") == 0);
    CHECK(strcmp(modelseal_status_str(63), "unknown status") == 0);
    CHECK(strcmp(modelseal_status_str(0xffffffffu), "unknown status") == 0);
    for (n = 0; n < 1000; n++) {
        const char *s = modelseal_status_str(n);
        CHECK(s != NULL && s[0] != 0);
    }
}

/* Every pointer argument NULL, every context misaligned or uninitialised. */
static void test_null_and_state(const case_data *c) {
    modelseal_verifier ctx, zero;
    modelseal_policy p = standard_policy();
    union {
        modelseal_verifier v[2];
        uint8_t b[2 * MODELSEAL_VERIFIER_SIZE];
    } raw;
    modelseal_verifier *mis = (modelseal_verifier *)(void *)(raw.b + 1);
    uint8_t buf[64], work[256];
    size_t n = 7;
    uint64_t u64 = 7;
    uint32_t u32 = 7;
    uint8_t u8 = 7;
    modelseal_identity id;
    modelseal_component comp;
    modelseal_config_ref cref;
    modelseal_config_binding bind;
    modelseal_artifact_info info;
    modelseal_sha256_engine half;
    test_engine te;
    memset(&zero, 0, sizeof zero);

    /* init */
    CHECK_ST(note(init_accepting(NULL, c->root.data, c->root.len, &p, NULL)),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(init_accepting(&ctx, NULL, c->root.len, &p, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, NULL, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(note(init_accepting(mis, c->root.data, c->root.len, &p, NULL)),
             MODELSEAL_STATUS_MISALIGNED_CONTEXT);
    CHECK_ST(init_accepting(&ctx, c->root.data, 0, &p, NULL), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(init_accepting(&ctx, NULL, 0, &p, NULL), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(init_accepting(&ctx, c->bundle.data, c->bundle.len, &p, NULL),
             MODELSEAL_STATUS_BAD_MAGIC);
    half = engine_of(&te);
    half.finish = NULL;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, &half),
             MODELSEAL_STATUS_NULL_ARGUMENT);

    /* uninitialised (zeroed) and misaligned contexts, every function */
    CHECK_ST(note(modelseal_verifier_verify_head(&zero, c->bundle.data, 16)),
             MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_verify_head(mis, c->bundle.data, 16),
             MODELSEAL_STATUS_MISALIGNED_CONTEXT);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&zero, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_verify_bundle(&zero, mem_read, NULL, 0, work, sizeof work),
             MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_get_kind(&zero, &u8), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_get_kind(mis, &u8), MODELSEAL_STATUS_MISALIGNED_CONTEXT);
    CHECK_ST(modelseal_verifier_begin_artifact(&zero, 0), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_finish(&zero), MODELSEAL_STATUS_INVALID_STATE);

    /* NULL context everywhere */
    CHECK_ST(modelseal_verifier_verify_head(NULL, c->bundle.data, 16),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(NULL, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_verify_bundle(NULL, mem_read, NULL, 0, work, sizeof work),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_artifact_count(NULL, &n), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_artifact(NULL, 0, &info), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_bundle_len(NULL, &u64), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_begin_artifact(NULL, 0), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_begin_plaintext(NULL, 0), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_update_artifact(NULL, buf, 1), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_finish_artifact(NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_finish(NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_manifest_digest(NULL, buf, 32), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_kind(NULL, &u8), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_security_counter(NULL, &u64), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_counter_floor(NULL, &u64), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_root_version(NULL, &u32), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_bundle_version(NULL, (char *)buf, sizeof buf, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_config(NULL, &cref), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_component_count(NULL, &n), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_component(NULL, 0, &comp), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_identity(NULL, &id), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_encode_identity(NULL, buf, sizeof buf, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_new_root(NULL, buf, sizeof buf, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_config_binding(NULL, &bind), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_identity_decode(buf, 0, NULL, NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_bundle_get_head_len(c->bundle.data, 16, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_bundle_get_head_len(NULL, 16, &n), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK(n == 7 && u64 == 7 && u32 == 7 && u8 == 7);

    /* A ready context: calls out of order */
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact_count(&ctx, &n), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_begin_artifact(&ctx, 0), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_update_artifact(&ctx, buf, 1), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_finish_artifact(&ctx), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_finish(&ctx), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, buf, 32),
             MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_encode_identity(&ctx, buf, sizeof buf, &n),
             MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_verify_bundle(&ctx, NULL, NULL, c->bundle.len, work, sizeof work),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, NULL, c->bundle.len, NULL, 100),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, NULL, 5), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK(n == 7);
}

/* A policy that breaks a rule is refused, and a refused init leaves no
 * earlier context working (test_refused_init checks every call). */
static void test_policy_arguments(const case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy(), zero;
    modelseal_config_binding b;
    static const char spaced[] = "HW FC", long_id[] =
        "0123456789012345678901234567890123456789012345678901234567890123456789";
    static const char bad_utf8[] = "\xff\xfe";
    memset(&zero, 0, sizeof zero);
    CHECK_ST(note(init_accepting(&ctx, c->root.data, c->root.len, &zero, NULL)),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    p.kind = 1;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    p = standard_policy();
    p.min_stage = 0;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    p = standard_policy();
    p.expiry = 0;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    p.expiry = 3;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    p = standard_policy();
    p.hardware_id = NULL;
    p.hardware_id_len = 0;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    p = standard_policy();
    p.serial = NULL;
    p.serial_len = 4;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    p = standard_policy();
    p.hardware_id = spaced;
    p.hardware_id_len = sizeof spaced - 1;
    CHECK_ST(note(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL)),
             MODELSEAL_STATUS_INVALID);
    p.hardware_id_len = 0;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID);
    p.hardware_id = long_id;
    p.hardware_id_len = sizeof long_id - 1;
    CHECK_ST(note(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL)),
             MODELSEAL_STATUS_LIMIT_EXCEEDED);
    p = standard_policy();
    p.market = bad_utf8;
    p.market_len = 2;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID);

    /* a binding that cannot be: too many entries, unterminated strings */
    memset(&b, 0, sizeof b);
    strcpy(b.config_id, "cfg");
    strcpy(b.config_version, "1");
    b.allowed_count = MODELSEAL_MAX_ECU_MODELS + 1;
    p = standard_policy();
    p.config = &b;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    b.allowed_count = 1;
    memset(b.config_id, 'x', sizeof b.config_id);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    b.config_id[0] = 0;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_INVALID);

    /* An optional string with a pointer and length 0 is an empty
     * identifier, refused; absent is spelled NULL (and is accepted). */
    {
        static const char empty[] = "";
        const char **ptrs[4];
        size_t *lens[4], i;
        p = standard_policy();
        ptrs[0] = &p.ecu_name, lens[0] = &p.ecu_name_len;
        ptrs[1] = &p.serial, lens[1] = &p.serial_len;
        ptrs[2] = &p.platform, lens[2] = &p.platform_len;
        ptrs[3] = &p.market, lens[3] = &p.market_len;
        for (i = 0; i < 4; i++) {
            const char *old = *ptrs[i];
            size_t old_len = *lens[i];
            *ptrs[i] = empty;
            *lens[i] = 0;
            CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
                     MODELSEAL_STATUS_INVALID);
            *ptrs[i] = NULL;
            CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
                     MODELSEAL_STATUS_OK);
            *ptrs[i] = old;
            *lens[i] = old_len;
        }
    }

    /* An earlier context does not survive a refused re-init. */
    p = standard_policy();
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &zero, NULL),
             MODELSEAL_STATUS_INVALID_ARGUMENT);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_INVALID_STATE);
}

/* Every call that needs an initialised context, each checked to answer
 * `want`; outputs must stay untouched. */
static void every_context_call(modelseal_verifier *ctx, const case_data *c, modelseal_status want,
                               int line) {
    uint8_t buf[MODELSEAL_MAX_IDENTITY_LEN], *work;
    size_t n = 7, head_len = head_len_of(&c->bundle);
    uint64_t u64 = 7;
    uint32_t u32 = 7;
    uint8_t u8 = 7;
    modelseal_identity id;
    modelseal_component comp;
    modelseal_config_ref cref;
    modelseal_config_binding bind;
    modelseal_artifact_info info;
    mem_reader r = {0, 0, 0, 0};
    const modelseal_verifier *cv = ctx;
    r.data = c->bundle.data;
    r.len = c->bundle.len;
    work = malloc(MODELSEAL_WORK_BUF_LEN(head_len));
    memset(buf, 0, sizeof buf);
#define EVERY(call) check_status(__FILE__, line, #call, (call), want)
    EVERY(modelseal_verifier_get_artifact_count(cv, &n));
    EVERY(modelseal_verifier_get_bundle_len(cv, &u64));
    EVERY(modelseal_verifier_get_head_len(cv, &n));
    EVERY(modelseal_verifier_get_artifact(ctx, 0, &info));
    EVERY(modelseal_verifier_check_padding(cv, buf, 1));
    EVERY(modelseal_verifier_begin_artifact(ctx, 0));
    EVERY(modelseal_verifier_begin_plaintext(ctx, 0));
    EVERY(modelseal_verifier_update_artifact(ctx, buf, 1));
    EVERY(modelseal_verifier_finish_artifact(ctx));
    EVERY(modelseal_verifier_finish(ctx));
    EVERY(modelseal_verifier_get_manifest_digest(cv, buf, 32));
    EVERY(modelseal_verifier_get_kind(cv, &u8));
    EVERY(modelseal_verifier_get_security_counter(cv, &u64));
    EVERY(modelseal_verifier_get_counter_floor(cv, &u64));
    EVERY(modelseal_verifier_get_root_version(cv, &u32));
    EVERY(modelseal_verifier_get_bundle_version(cv, (char *)buf, MODELSEAL_ID_BUF_LEN, &n));
    EVERY(modelseal_verifier_get_config(cv, &cref));
    EVERY(modelseal_verifier_get_component_count(cv, &n));
    EVERY(modelseal_verifier_get_component(cv, 0, &comp));
    EVERY(modelseal_verifier_get_identity(cv, &id));
    EVERY(modelseal_verifier_encode_identity(ctx, buf, sizeof buf, &n));
    EVERY(modelseal_verifier_get_new_root(cv, buf, sizeof buf, &n));
    EVERY(modelseal_verifier_get_config_binding(cv, &bind));
    /* the verify calls last: they would start a verification */
    EVERY(modelseal_verifier_verify_head(ctx, c->bundle.data, head_len));
    EVERY(modelseal_verifier_verify_bundle_bytes(ctx, c->bundle.data, c->bundle.len));
    EVERY(modelseal_verifier_verify_bundle(ctx, mem_read, &r, c->bundle.len, work,
                                           MODELSEAL_WORK_BUF_LEN(head_len)));
#undef EVERY
    CHECK(n == 7 && u64 == 7 && u32 == 7 && u8 == 7);
    free(work);
}

/* A refused init, whatever refused it, leaves a context that answers
 * INVALID_STATE from every call until an init succeeds: no answer about
 * an earlier bundle survives it. */
static void test_refused_init(case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy(), bad = standard_policy();
    size_t head_len = head_len_of(&c->bundle);
    int k;
    bad.kind = 0;
    for (k = 0; k < 3; k++) {
        /* refused for its policy, its root, a NULL policy */
        const uint8_t *root = k == 1 ? c->bundle.data : c->root.data;
        size_t root_len = k == 1 ? c->bundle.len : c->root.len;
        const modelseal_policy *policy = k == 0 ? &bad : k == 1 ? &p : NULL;

        /* after a verified bundle */
        CHECK_ST(via_bytes(&ctx, c, &c->bundle), MODELSEAL_STATUS_OK);
        CHECK(init_accepting(&ctx, root, root_len, policy, NULL) != MODELSEAL_STATUS_OK);
        every_context_call(&ctx, c, MODELSEAL_STATUS_INVALID_STATE, __LINE__);

        /* during a per-chunk verification, an artifact check open */
        CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_begin_artifact(&ctx, 0), MODELSEAL_STATUS_OK);
        CHECK(init_accepting(&ctx, root, root_len, policy, NULL) != MODELSEAL_STATUS_OK);
        every_context_call(&ctx, c, MODELSEAL_STATUS_INVALID_STATE, __LINE__);
    }
    /* usable again after a successful init */
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_OK);
}

/* The per-chunk helpers: the head includes the container header, the
 * getters take a const context, the head length is readable, the padding
 * is checked by the library. */
static void test_per_chunk_helpers(const char *data_dir, case_data *c) {
    modelseal_verifier ctx;
    const modelseal_verifier *cv = &ctx;
    modelseal_policy p = standard_policy();
    size_t head_len = head_len_of(&c->bundle), n = 0, count = 0, i;
    uint64_t total = 0;
    modelseal_artifact_info info, prev;
    case_data bad;
    uint8_t zeros[100];

    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    /* the head starts at the bundle's first byte: the bytes after the
     * 16-byte header are no head */
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data + MODELSEAL_BUNDLE_HEADER_LEN,
                                            head_len - MODELSEAL_BUNDLE_HEADER_LEN),
             MODELSEAL_STATUS_BAD_MAGIC);
    CHECK_ST(modelseal_verifier_get_head_len(cv, &n), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_check_padding(cv, zeros, 0), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_head_len(cv, &n), MODELSEAL_STATUS_OK);
    CHECK(n == head_len);
    CHECK_ST(modelseal_verifier_get_head_len(cv, NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_head_len(NULL, &n), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_get_bundle_len(cv, &total), MODELSEAL_STATUS_OK);
    CHECK(total == c->bundle.len);
    CHECK_ST(modelseal_verifier_get_artifact_count(cv, &count), MODELSEAL_STATUS_OK);
    CHECK(count == 6);
    /* every padding of a good bundle is zero; lookups in any order */
    for (i = count; i-- > 0;) {
        uint64_t start = head_len;
        CHECK_ST(modelseal_verifier_get_artifact(&ctx, i, &info), MODELSEAL_STATUS_OK);
        if (i > 0) {
            CHECK_ST(modelseal_verifier_get_artifact(&ctx, i - 1, &prev), MODELSEAL_STATUS_OK);
            start = prev.offset + prev.size;
        }
        CHECK(start <= info.offset && info.offset - start < 4096);
        CHECK_ST(modelseal_verifier_check_padding(cv, c->bundle.data + start,
                                                  (size_t)(info.offset - start)),
                 MODELSEAL_STATUS_OK);
    }
    memset(zeros, 0, sizeof zeros);
    CHECK_ST(modelseal_verifier_check_padding(cv, NULL, 0), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_check_padding(cv, zeros, sizeof zeros), MODELSEAL_STATUS_OK);
    zeros[99] = 1;
    CHECK_ST(note(modelseal_verifier_check_padding(cv, zeros, sizeof zeros)),
             MODELSEAL_STATUS_MALFORMED);
    CHECK_ST(modelseal_verifier_check_padding(cv, NULL, 1), MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_check_padding(NULL, zeros, 1), MODELSEAL_STATUS_NULL_ARGUMENT);

    /* a nonzero padding byte: the library's check refuses it as the
     * whole-bundle calls do */
    if (!load_case(data_dir, "padding-not-zero", &bad)) {
        failed++;
        return;
    }
    head_len = head_len_of(&bad.bundle);
    CHECK_ST(via_bytes(&ctx, &bad, &bad.bundle), MODELSEAL_STATUS_MALFORMED);
    CHECK_ST(init_accepting(&ctx, bad.root.data, bad.root.len, &p, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, bad.bundle.data, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact(&ctx, 0, &info), MODELSEAL_STATUS_OK);
    CHECK(info.offset > head_len && info.offset <= bad.bundle.len);
    CHECK_ST(modelseal_verifier_check_padding(cv, bad.bundle.data + head_len,
                                              (size_t)(info.offset - head_len)),
             MODELSEAL_STATUS_MALFORMED);
    CHECK_ST(via_chunks(&ctx, &bad, &bad.bundle, 1000, 0, NULL), MODELSEAL_STATUS_MALFORMED);
    free_case(&bad);
}

/* A header shorter than 16 bytes is judged on its magic first, the same
 * way by every entry point: fewer than 8 bytes TRUNCATED, then BAD_MAGIC
 * for no bundle, TRUNCATED for a bundle's start. */
static void test_short_inputs(case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    uint8_t not_a_bundle[16], work[256];
    size_t len, n;
    int which;
    memset(not_a_bundle, 'X', sizeof not_a_bundle);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    for (which = 0; which < 2; which++) {
        const uint8_t *data = which ? not_a_bundle : c->bundle.data;
        for (len = 0; len < 16; len++) {
            modelseal_status want = which && len >= 8 ? MODELSEAL_STATUS_BAD_MAGIC
                                                      : MODELSEAL_STATUS_TRUNCATED;
            mem_reader r = {0, 0, 0, 0};
            r.data = data;
            r.len = len;
            CHECK_ST(modelseal_bundle_get_head_len(data, len, &n), want);
            CHECK_ST(modelseal_verifier_verify_head(&ctx, data, len), want);
            CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, data, len), want);
            CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, len, work, sizeof work),
                     want);
        }
    }
}

/* The read callback's contract (modelseal_read_fn): never a zero-length
 * read, never past bundle_len, into the work buffer, offsets ascending
 * without gaps or overlaps; a good bundle is read whole, once. */
typedef struct {
    const uint8_t *data;
    size_t len;
    const uint8_t *work;
    size_t work_len, head_len;
    uint64_t next;
    long calls, violations;
} contract_reader;

static int contract_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    contract_reader *r = user;
    r->calls++;
    if (len == 0 || offset != r->next || offset > r->len || len > r->len - offset) {
        r->violations++;
        return -1;
    }
    if (buf < r->work || buf + len > r->work + r->work_len) r->violations++;
    if (offset >= r->head_len && (buf != r->work + r->head_len || len > r->work_len - r->head_len)) {
        r->violations++;
    }
    if (offset < r->head_len && buf != r->work + offset) r->violations++;
    memcpy(buf, r->data + offset, len);
    r->next = offset + len;
    return 0;
}

static void test_read_contract(const char *data_dir, case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    static const size_t EXTRA[] = {MODELSEAL_MIN_READ_CHUNK, 100, 4096, 1 << 16};
    size_t head_len = head_len_of(&c->bundle), i;
    uint8_t no_envelopes[116];
    case_data empty;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    for (i = 0; i < sizeof EXTRA / sizeof EXTRA[0]; i++) {
        contract_reader r;
        memset(&r, 0, sizeof r);
        r.data = c->bundle.data;
        r.len = c->bundle.len;
        r.work_len = MODELSEAL_WORK_BUF_LEN(head_len) - MODELSEAL_MIN_READ_CHUNK + EXTRA[i];
        r.work = malloc(r.work_len);
        r.head_len = head_len;
        CHECK_ST(modelseal_verifier_verify_bundle(&ctx, contract_read, &r, c->bundle.len,
                                                  (uint8_t *)r.work, r.work_len),
                 MODELSEAL_STATUS_OK);
        CHECK(r.violations == 0 && r.next == c->bundle.len && r.calls >= 3);
        {
            size_t n = 0;
            CHECK_ST(modelseal_verifier_get_head_len(&ctx, &n), MODELSEAL_STATUS_OK);
            CHECK(n == head_len);
        }
        free((void *)r.work);
    }
    /* nothing to read: no zero-length read, whatever the bundle says */
    if (!load_case(data_dir, "empty-file", &empty)) {
        failed++;
        return;
    }
    memcpy(no_envelopes, c->bundle.data, 12);
    memset(no_envelopes + 12, 0, sizeof no_envelopes - 12);
    for (i = 0; i < 3; i++) {
        contract_reader r;
        uint8_t work[512];
        memset(&r, 0, sizeof r);
        r.data = i == 0 ? empty.bundle.data : no_envelopes;
        r.len = i == 0 ? 0 : i == 1 ? 16 : sizeof no_envelopes;
        r.work = work;
        r.work_len = sizeof work;
        r.head_len = 16;
        CHECK_ST(modelseal_verifier_verify_bundle(&ctx, contract_read, &r, r.len, work, sizeof work),
                 MODELSEAL_STATUS_TRUNCATED);
        CHECK(r.violations == 0);
    }
    free_case(&empty);
}

/* Per-chunk misuse and artifact statuses. */
static void test_per_chunk_statuses(case_data *c) {
    /* The kinds of the standard payloads (tests/src/lib.rs), in manifest
     * order: the header's codes are what the library reports. */
    static const uint8_t kinds[] = {
        MODELSEAL_ARTIFACT_KIND_CALIBRATION,    /* calibration/front.json */
        MODELSEAL_ARTIFACT_KIND_TENSORRT_ENGINE, /* engine/perception.plan */
        MODELSEAL_ARTIFACT_KIND_ONNX,           /* model.onnx */
        MODELSEAL_ARTIFACT_KIND_PROCESSING_CODE, /* postprocess/nms.py */
        MODELSEAL_ARTIFACT_KIND_SBOM_CYCLONEDX, /* sbom.cdx.json */
        MODELSEAL_ARTIFACT_KIND_WEIGHTS,        /* weights.safetensors */
    };
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    size_t head_len = head_len_of(&c->bundle), count = 0, i, n = 99;
    modelseal_artifact_info info, sentinel;
    uint64_t len = 0;
    uint8_t *copy;
    int plain_done = 0;

    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, 0), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, NULL, 0), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len - 1),
             MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len + 1),
             MODELSEAL_STATUS_TRAILING_BYTES);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact_count(&ctx, &count), MODELSEAL_STATUS_OK);
    CHECK(count == 6);
    CHECK(count == sizeof kinds);
    CHECK_ST(modelseal_verifier_get_bundle_len(&ctx, &len), MODELSEAL_STATUS_OK);
    CHECK(len == c->bundle.len);
    memset(&sentinel, 0xa5, sizeof sentinel);
    info = sentinel;
    CHECK_ST(note(modelseal_verifier_get_artifact(&ctx, count, &info)),
             MODELSEAL_STATUS_NO_SUCH_ARTIFACT);
    CHECK(memcmp(&info, &sentinel, sizeof info) == 0);
    CHECK_ST(modelseal_verifier_begin_artifact(&ctx, count), MODELSEAL_STATUS_NO_SUCH_ARTIFACT);
    CHECK_ST(modelseal_verifier_begin_artifact(&ctx, (size_t)-1),
             MODELSEAL_STATUS_NO_SUCH_ARTIFACT);

    /* Nothing verified yet: finishing the session is refused. */
    CHECK_ST(note(modelseal_verifier_finish(&ctx)), MODELSEAL_STATUS_ARTIFACTS_INCOMPLETE);

    for (i = 0; i < count; i++) {
        CHECK_ST(modelseal_verifier_get_artifact(&ctx, i, &info), MODELSEAL_STATUS_OK);
        CHECK(info.offset % 4096 == 0 && info.offset + info.size <= c->bundle.len);
        CHECK(strlen(info.name) > 0);
        CHECK(i < sizeof kinds && info.kind == kinds[i]);
        if (!info.encrypted) {
            CHECK_ST(modelseal_verifier_begin_plaintext(&ctx, i), MODELSEAL_STATUS_NO_SUCH_ARTIFACT);
        }

        /* too long: one byte more than the manifest states */
        copy = malloc(info.size + 1);
        memcpy(copy, c->bundle.data + info.offset, info.size);
        copy[info.size] = 0;
        CHECK_ST(modelseal_verifier_begin_artifact(&ctx, i), MODELSEAL_STATUS_OK);
        CHECK_ST(note(modelseal_verifier_update_artifact(&ctx, copy, info.size + 1)),
                 MODELSEAL_STATUS_ARTIFACT_TOO_LONG);
        /* the refused check is over */
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, copy, 1), MODELSEAL_STATUS_INVALID_STATE);
        CHECK_ST(modelseal_verifier_finish_artifact(&ctx), MODELSEAL_STATUS_INVALID_STATE);

        /* truncated: one byte short */
        CHECK_ST(modelseal_verifier_begin_artifact(&ctx, i), MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, copy, info.size - 1), MODELSEAL_STATUS_OK);
        CHECK_ST(note(modelseal_verifier_finish_artifact(&ctx)), MODELSEAL_STATUS_ARTIFACT_TRUNCATED);
        CHECK_ST(modelseal_verifier_finish_artifact(&ctx), MODELSEAL_STATUS_INVALID_STATE);

        /* one flipped bit */
        copy[info.size / 2] ^= 0x10;
        CHECK_ST(modelseal_verifier_begin_artifact(&ctx, i), MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, copy, info.size), MODELSEAL_STATUS_OK);
        CHECK_ST(note(modelseal_verifier_finish_artifact(&ctx)),
                 MODELSEAL_STATUS_ARTIFACT_DIGEST_MISMATCH);
        copy[info.size / 2] ^= 0x10;

        /* zero-length updates (NULL allowed) between real ones */
        CHECK_ST(modelseal_verifier_begin_artifact(&ctx, i), MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, NULL, 0), MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, copy, info.size), MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, copy, 0), MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_update_artifact(&ctx, NULL, 1), MODELSEAL_STATUS_NULL_ARGUMENT);
        /* a NULL-argument refusal also ends the check? No: it never reached
         * the check; the bytes were never offered. It stays open. */
        CHECK_ST(modelseal_verifier_finish_artifact(&ctx), MODELSEAL_STATUS_OK);
        free(copy);

        /* the plaintext of the encrypted artifact, rebuilt as the fixtures
         * make it: SHA-256("engine plaintext" || le64(i)) blocks */
        if (info.encrypted && !plain_done) {
            uint8_t *plain = malloc(info.plaintext_size + 32);
            uint64_t k, pos = 0;
            for (k = 0; pos < info.plaintext_size; k++, pos += 32) {
                uint8_t in[16 + 8];
                unsigned j;
                memcpy(in, "engine plaintext", 16);
                for (j = 0; j < 8; j++) in[16 + j] = (uint8_t)(k >> (8 * j));
                sha256(in, sizeof in, plain + pos);
            }
            CHECK_ST(modelseal_verifier_begin_plaintext(&ctx, i), MODELSEAL_STATUS_OK);
            for (pos = 0; pos < info.plaintext_size; pos += 100) {
                size_t m = info.plaintext_size - pos < 100 ? (size_t)(info.plaintext_size - pos) : 100;
                CHECK_ST(modelseal_verifier_update_artifact(&ctx, plain + pos, m),
                         MODELSEAL_STATUS_OK);
            }
            CHECK_ST(modelseal_verifier_finish_artifact(&ctx), MODELSEAL_STATUS_OK);
            plain[0] ^= 1;
            CHECK_ST(modelseal_verifier_begin_plaintext(&ctx, i), MODELSEAL_STATUS_OK);
            CHECK_ST(modelseal_verifier_update_artifact(&ctx, plain, info.plaintext_size),
                     MODELSEAL_STATUS_OK);
            CHECK_ST(modelseal_verifier_finish_artifact(&ctx),
                     MODELSEAL_STATUS_ARTIFACT_DIGEST_MISMATCH);
            free(plain);
            plain_done = 1;
        }
    }
    CHECK(plain_done);

    /* an artifact check in progress blocks finishing the session */
    CHECK_ST(modelseal_verifier_begin_artifact(&ctx, 0), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_finish(&ctx), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_get_kind(&ctx, (uint8_t *)&n), MODELSEAL_STATUS_INVALID_STATE);
    /* beginning another artifact ends it */
    CHECK_ST(modelseal_verifier_begin_artifact(&ctx, 1), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact(&ctx, 1, &info), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_update_artifact(&ctx, c->bundle.data + info.offset, info.size),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_finish_artifact(&ctx), MODELSEAL_STATUS_OK);
    /* every artifact verified by now */
    CHECK_ST(modelseal_verifier_finish(&ctx), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_finish(&ctx), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_begin_artifact(&ctx, 0), MODELSEAL_STATUS_INVALID_STATE);

    /* a new head starts over */
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_kind(&ctx, (uint8_t *)&n), MODELSEAL_STATUS_INVALID_STATE);
    CHECK_ST(modelseal_verifier_finish(&ctx), MODELSEAL_STATUS_ARTIFACTS_INCOMPLETE);

    /* a bad first byte */
    copy = malloc(c->bundle.len);
    memcpy(copy, c->bundle.data, c->bundle.len);
    copy[0] ^= 0x20;
    CHECK_ST(note(modelseal_verifier_verify_head(&ctx, copy, head_len)),
             MODELSEAL_STATUS_BAD_MAGIC);
    CHECK_ST(modelseal_bundle_get_head_len(copy, 16, &n), MODELSEAL_STATUS_BAD_MAGIC);
    CHECK_ST(modelseal_bundle_get_head_len(c->bundle.data, 15, &n), MODELSEAL_STATUS_TRUNCATED);
    free(copy);
}

/* Accessors, identity encode/decode, short output buffers. */
static void test_identity(case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    uint8_t digest[40], rec[MODELSEAL_MAX_IDENTITY_LEN], small[64], expect_digest[32];
    uint8_t big[MODELSEAL_MAX_IDENTITY_LEN + 1];
    uint8_t kind = 0;
    uint64_t counter = 0, floor = 0;
    uint32_t root_version = 0;
    char version[MODELSEAL_ID_BUF_LEN];
    size_t n = 0, rec_len = 0, count = 0, i, head_len = head_len_of(&c->bundle);
    modelseal_identity a, b;
    modelseal_component comp;
    modelseal_config_ref cref;
    modelseal_config_binding bind, bind_sentinel;
    test_engine te;
    modelseal_sha256_engine eng = engine_of(&te);

    CHECK_ST(via_bytes(&ctx, c, &c->bundle), MODELSEAL_STATUS_OK);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_OK);

    memset(digest, 0xee, sizeof digest);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, digest, 31),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK(digest[0] == 0xee && digest[30] == 0xee);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, NULL, 0),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, digest, sizeof digest),
             MODELSEAL_STATUS_OK);
    CHECK(digest[32] == 0xee);
    /* the manifest digest is SHA-256 of the manifest document: recompute it
     * from the head (envelope header 16 bytes, document length LE u32 at 12) */
    {
        const uint8_t *env = c->bundle.data + 16; /* no rotation chain here */
        uint32_t doc_len = (uint32_t)env[12] | (uint32_t)env[13] << 8 | (uint32_t)env[14] << 16 |
                           (uint32_t)env[15] << 24;
        CHECK(memcmp(env, "MSENVLOP", 8) == 0 && 32 + (size_t)doc_len <= c->bundle.len);
        sha256(env + 16, doc_len, expect_digest);
        CHECK(memcmp(digest, expect_digest, 32) == 0);
    }
    CHECK_ST(modelseal_verifier_get_kind(&ctx, &kind), MODELSEAL_STATUS_OK);
    CHECK(kind == MODELSEAL_KIND_COMPONENT);
    CHECK_ST(modelseal_verifier_get_security_counter(&ctx, &counter), MODELSEAL_STATUS_OK);
    CHECK(counter == 7);
    CHECK_ST(modelseal_verifier_get_counter_floor(&ctx, &floor), MODELSEAL_STATUS_OK);
    CHECK(floor == 7);
    CHECK_ST(modelseal_verifier_get_root_version(&ctx, &root_version), MODELSEAL_STATUS_OK);
    CHECK(root_version == 1);
    memset(version, 'z', sizeof version);
    CHECK_ST(modelseal_verifier_get_bundle_version(&ctx, version, 5, &n),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK(version[0] == 'z' && n == 0);
    CHECK_ST(modelseal_verifier_get_bundle_version(&ctx, version, strlen("fc-perception-2026.01.1"),
                                                   &n),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(modelseal_verifier_get_bundle_version(&ctx, version, sizeof version, &n),
             MODELSEAL_STATUS_OK);
    CHECK(strcmp(version, "fc-perception-2026.01.1") == 0 && n == strlen(version));
    CHECK_ST(modelseal_verifier_get_config(&ctx, &cref), MODELSEAL_STATUS_OK);
    CHECK(!cref.present && cref.config_id[0] == 0);
    CHECK_ST(modelseal_verifier_get_component_count(&ctx, &count), MODELSEAL_STATUS_OK);
    CHECK(count == 1);
    CHECK_ST(modelseal_verifier_get_component(&ctx, 0, &comp), MODELSEAL_STATUS_OK);
    CHECK(strcmp(comp.family, "perception_front_camera") == 0);
    CHECK(strcmp(comp.version, "v1.3.5") == 0);
    CHECK(comp.stage == MODELSEAL_STAGE_PRODUCTION);
    CHECK_ST(note(modelseal_verifier_get_component(&ctx, 1, &comp)),
             MODELSEAL_STATUS_INDEX_OUT_OF_RANGE);
    CHECK_ST(modelseal_verifier_get_component(&ctx, (size_t)-1, &comp),
             MODELSEAL_STATUS_INDEX_OUT_OF_RANGE);
    memset(&bind_sentinel, 0x5a, sizeof bind_sentinel);
    bind = bind_sentinel;
    CHECK_ST(modelseal_verifier_get_config_binding(&ctx, &bind), MODELSEAL_STATUS_WRONG_KIND);
    CHECK(memcmp(&bind, &bind_sentinel, sizeof bind) == 0);
    CHECK_ST(modelseal_verifier_get_new_root(&ctx, NULL, 0, &n), MODELSEAL_STATUS_OK);
    CHECK(n == 0);

    /* identity record: too small a buffer leaves it untouched */
    memset(small, 0x77, sizeof small);
    n = 12345;
    CHECK_ST(note(modelseal_verifier_encode_identity(&ctx, small, sizeof small, &n)),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK(small[0] == 0x77 && small[63] == 0x77 && n == 12345);
    CHECK_ST(modelseal_verifier_encode_identity(&ctx, NULL, 0, &n),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(modelseal_verifier_encode_identity(&ctx, rec, sizeof rec, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_encode_identity(&ctx, rec, sizeof rec, &rec_len), MODELSEAL_STATUS_OK);
    CHECK(rec_len > 16 && rec_len <= MODELSEAL_MAX_IDENTITY_LEN && memcmp(rec, "MSID", 4) == 0);
    CHECK_ST(modelseal_verifier_encode_identity(&ctx, big, rec_len, &n), MODELSEAL_STATUS_OK);
    CHECK(n == rec_len && memcmp(big, rec, n) == 0);
    CHECK_ST(modelseal_verifier_encode_identity(&ctx, big, rec_len - 1, &n),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);

    /* decode: equal to the accessors' view, with either engine */
    CHECK_ST(modelseal_verifier_get_identity(&ctx, &a), MODELSEAL_STATUS_OK);
    memset(&b, 0, sizeof b);
    CHECK_ST(modelseal_identity_decode(rec, rec_len, NULL, &b), MODELSEAL_STATUS_OK);
    memset(&te, 0, sizeof te);
    CHECK_ST(modelseal_identity_decode(rec, rec_len, &eng, &b), MODELSEAL_STATUS_OK);
    CHECK(memcmp(a.manifest_digest, digest, 32) == 0);
    CHECK(memcmp(a.manifest_digest, b.manifest_digest, 32) == 0);
    CHECK(a.kind == b.kind && a.kind == MODELSEAL_KIND_COMPONENT);
    CHECK(a.security_counter == b.security_counter && b.security_counter == 7);
    CHECK(strcmp(a.version, b.version) == 0);
    CHECK(a.root_version == b.root_version && b.root_version == 1);
    CHECK(a.config.present == b.config.present && !b.config.present);
    CHECK(a.component_count == b.component_count && b.component_count == 1);
    CHECK(strcmp(b.components[0].family, "perception_front_camera") == 0);
    CHECK(strcmp(b.components[0].version, "v1.3.5") == 0);
    CHECK(b.components[0].stage == MODELSEAL_STAGE_PRODUCTION);
    CHECK(a.signer_count == b.signer_count && b.signer_count == 2);
    for (i = 0; i < b.signer_count; i++) CHECK(memcmp(a.signers[i], b.signers[i], 8) == 0);

    /* damaged records: every status, output untouched */
    memset(&a, 0x3c, sizeof a);
    b = a;
    memcpy(big, rec, rec_len);
    big[rec_len / 2] ^= 0x01;
    CHECK_ST(note(modelseal_identity_decode(big, rec_len, NULL, &a)),
             MODELSEAL_STATUS_IDENTITY_CHECK);
    big[rec_len / 2] ^= 0x01;
    big[rec_len - 1] ^= 0x80;
    CHECK_ST(modelseal_identity_decode(big, rec_len, NULL, &a), MODELSEAL_STATUS_IDENTITY_CHECK);
    big[rec_len - 1] ^= 0x80;
    big[0] = 'X';
    CHECK_ST(modelseal_identity_decode(big, rec_len, NULL, &a), MODELSEAL_STATUS_BAD_MAGIC);
    big[0] = 'M';
    big[4] = 9;
    CHECK_ST(modelseal_identity_decode(big, rec_len, NULL, &a),
             MODELSEAL_STATUS_UNSUPPORTED_VERSION);
    big[4] = rec[4];
    CHECK_ST(modelseal_identity_decode(big, rec_len - 1, NULL, &a), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_identity_decode(big, 3, NULL, &a), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_identity_decode(NULL, 0, NULL, &a), MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_identity_decode(rec, rec_len + 1, NULL, &a), MODELSEAL_STATUS_TRAILING_BYTES);
    memset(&te, 0, sizeof te);
    te.fail_at = 1;
    CHECK_ST(modelseal_identity_decode(rec, rec_len, &eng, &a), MODELSEAL_STATUS_HASH_ENGINE);
    CHECK(memcmp(&a, &b, sizeof a) == 0);
    /* every byte of the record flipped: refused or (never) a crash */
    for (i = 0; i < rec_len; i++) {
        memcpy(big, rec, rec_len);
        big[i] ^= 0xff;
        CHECK(modelseal_identity_decode(big, rec_len, NULL, &a) != MODELSEAL_STATUS_OK);
    }

    /* The accessors read the borrowed head: the per-chunk path gives the
     * same answers. */
    CHECK_ST(modelseal_verifier_verify_head(&ctx, c->bundle.data, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_identity(&ctx, &a), MODELSEAL_STATUS_INVALID_STATE);
}

/* Work buffers: exactly enough, one byte short, none. */
static void test_work_buffers(case_data *c) {
    modelseal_verifier ctx;
    size_t head_len = head_len_of(&c->bundle);
    CHECK_ST(via_reader(&ctx, c, &c->bundle, MODELSEAL_MIN_READ_CHUNK, 0, NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(via_reader(&ctx, c, &c->bundle, MODELSEAL_MIN_READ_CHUNK - 1, 0, NULL),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    /* MODELSEAL_WORK_BUF_LEN is exactly what the library asks for */
    CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, MODELSEAL_WORK_BUF_LEN(head_len), NULL),
             MODELSEAL_STATUS_OK);
    CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, MODELSEAL_WORK_BUF_LEN(head_len) - 1, NULL),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, head_len, NULL), MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, 15, NULL), MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, 1, NULL), MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    /* A refused work buffer comes with the length needed, read from the
     * bundle's header: whatever buffer was too small (also one shorter
     * than the header itself); that length then verifies. */
    {
        static const size_t LENS[] = {1, 15, 16, 17, 100};
        size_t i, n = 0;
        for (i = 0; i < sizeof LENS / sizeof LENS[0] + 2; i++) {
            size_t len = i < sizeof LENS / sizeof LENS[0] ? LENS[i]
                         : i == sizeof LENS / sizeof LENS[0] ? head_len
                                                             : MODELSEAL_WORK_BUF_LEN(head_len) - 1;
            n = 0;
            CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, len, NULL),
                     MODELSEAL_STATUS_BUFFER_TOO_SMALL);
            CHECK_ST(modelseal_verifier_get_work_len_needed(&ctx, &n), MODELSEAL_STATUS_OK);
            CHECK(n == MODELSEAL_WORK_BUF_LEN(head_len));
        }
        CHECK_ST(modelseal_verifier_get_work_len_needed(&ctx, NULL), MODELSEAL_STATUS_NULL_ARGUMENT);
        CHECK_ST(modelseal_verifier_get_work_len_needed(NULL, &n), MODELSEAL_STATUS_NULL_ARGUMENT);
        CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, n, NULL), MODELSEAL_STATUS_OK);
        /* Only after that refusal: not after a success, a fresh init, or
         * another refusal. */
        n = 0;
        CHECK_ST(modelseal_verifier_get_work_len_needed(&ctx, &n), MODELSEAL_STATUS_INVALID_STATE);
        CHECK_ST(via_reader(&ctx, c, &c->bundle, 0, 20, NULL), MODELSEAL_STATUS_BUFFER_TOO_SMALL);
        CHECK_ST(via_reader(&ctx, c, &c->bundle, MODELSEAL_MIN_READ_CHUNK, 0, NULL),
                 MODELSEAL_STATUS_OK);
        {
            modelseal_policy p = standard_policy();
            CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
                     MODELSEAL_STATUS_OK);
        }
        CHECK_ST(modelseal_verifier_get_work_len_needed(&ctx, &n), MODELSEAL_STATUS_INVALID_STATE);
        CHECK(n == 0);
        {
            modelseal_verifier zero;
            memset(&zero, 0, sizeof zero);
            CHECK_ST(modelseal_verifier_get_work_len_needed(&zero, &n), MODELSEAL_STATUS_INVALID_STATE);
        }
    }
    {
        modelseal_policy p = standard_policy();
        mem_reader r = {0, 0, 0, 0};
        r.data = c->bundle.data;
        r.len = c->bundle.len;
        CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, c->bundle.len, NULL, 0),
                 MODELSEAL_STATUS_BUFFER_TOO_SMALL);
        /* a bundle_len that disagrees with the head */
        {
            uint8_t *work = malloc(head_len + 4096);
            CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, c->bundle.len - 1, work,
                                                      head_len + 4096),
                     MODELSEAL_STATUS_TRUNCATED);
            CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, 5, work, head_len + 4096),
                     MODELSEAL_STATUS_TRUNCATED);
            {
                size_t n = 0;
                CHECK_ST(modelseal_verifier_get_work_len_needed(&ctx, &n),
                         MODELSEAL_STATUS_INVALID_STATE);
                /* A source shorter than a header, into a buffer shorter
                 * still: its bytes are all it needs to be judged. */
                CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, 10, work, 5),
                         MODELSEAL_STATUS_BUFFER_TOO_SMALL);
                CHECK_ST(modelseal_verifier_get_work_len_needed(&ctx, &n), MODELSEAL_STATUS_OK);
                CHECK(n == 10);
                CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, 10, work, n),
                         MODELSEAL_STATUS_TRUNCATED);
            }
            free(work);
        }
    }
}

/* The read callback fails at every call in turn; the hash engine fails at
 * every call in turn. Each gives its status, never success, never a crash. */
static void test_failure_injection(case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    size_t head_len = head_len_of(&c->bundle), work_len = head_len + 1000;
    uint8_t *work = malloc(work_len);
    mem_reader r;
    test_engine te;
    modelseal_sha256_engine eng = engine_of(&te);
    long calls, k;

    memset(&r, 0, sizeof r);
    r.data = c->bundle.data;
    r.len = c->bundle.len;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, c->bundle.len, work, work_len),
             MODELSEAL_STATUS_OK);
    calls = r.calls;
    CHECK(calls > 5);
    for (k = 1; k <= calls; k++) {
        memset(&r, 0, sizeof r);
        r.data = c->bundle.data;
        r.len = c->bundle.len;
        r.fail_at = k;
        CHECK_ST(note(modelseal_verifier_verify_bundle(&ctx, mem_read, &r, c->bundle.len, work,
                                                       work_len)),
                 MODELSEAL_STATUS_READ);
    }

    /* the C engine: same result as the built-in one, then each call fails */
    memset(&te, 0, sizeof te);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, &eng), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_OK);
    calls = te.calls;
    CHECK(calls > 20);
    {
        uint8_t rec_soft[MODELSEAL_MAX_IDENTITY_LEN], rec_hw[MODELSEAL_MAX_IDENTITY_LEN];
        modelseal_verifier soft;
        size_t n1 = identity_of(&ctx, rec_hw), n2;
        CHECK_ST(init_accepting(&soft, c->root.data, c->root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_verify_bundle_bytes(&soft, c->bundle.data, c->bundle.len),
                 MODELSEAL_STATUS_OK);
        n2 = identity_of(&soft, rec_soft);
        CHECK(n1 > 0 && n1 == n2 && memcmp(rec_soft, rec_hw, n1) == 0);
        /* the engine fails while the identity is encoded */
        te.fail_at = te.calls + 1;
        n1 = 999;
        CHECK_ST(modelseal_verifier_encode_identity(&ctx, rec_hw, sizeof rec_hw, &n1),
                 MODELSEAL_STATUS_HASH_ENGINE);
        CHECK(n1 == 999);
    }
    for (k = 1; k <= calls; k++) {
        memset(&te, 0, sizeof te);
        te.fail_at = k;
        CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, &eng),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(note(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len)),
                 MODELSEAL_STATUS_HASH_ENGINE);
    }
    /* per chunk with the C engine, failing during an artifact update */
    {
        case_data cc = *c;
        memset(&te, 0, sizeof te);
        CHECK_ST(via_chunks(&ctx, &cc, &c->bundle, 100, 0, &eng), MODELSEAL_STATUS_OK);
        calls = te.calls;
        for (k = 1; k <= calls; k += 7) {
            memset(&te, 0, sizeof te);
            te.fail_at = k;
            CHECK_ST(via_chunks(&ctx, &cc, &c->bundle, 100, 0, &eng), MODELSEAL_STATUS_HASH_ENGINE);
        }
    }
    free(work);
}

/* Every byte of the head flipped, every head length: never success. */
static void test_head_mutations(case_data *c) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    size_t head_len = head_len_of(&c->bundle), i;
    uint8_t *copy = malloc(c->bundle.len);
    unsigned long refused = 0;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    for (i = 0; i < head_len; i++) {
        modelseal_status s;
        memcpy(copy, c->bundle.data, c->bundle.len);
        copy[i] ^= (uint8_t)(1u << (i % 8));
        s = note(modelseal_verifier_verify_bundle_bytes(&ctx, copy, c->bundle.len));
        if (s != MODELSEAL_STATUS_OK) refused++;
        else fprintf(stderr, "    flipped head byte %zu verified\n", i);
    }
    CHECK(refused == head_len);
    for (i = 0; i < head_len; i++) {
        CHECK(modelseal_verifier_verify_head(&ctx, c->bundle.data, i) != MODELSEAL_STATUS_OK);
    }
    for (i = 0; i + 1 < c->bundle.len; i += 97) {
        CHECK(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, i) != MODELSEAL_STATUS_OK);
    }
    free(copy);
}

/* A rotation: the new root comes out, fits MODELSEAL_MAX_ROOT_ENVELOPE_LEN,
 * and is the root envelope the bundle carries. */
static void test_rotation(const char *data_dir) {
    case_data c;
    modelseal_verifier ctx;
    uint8_t root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN], tiny[8];
    size_t n = 0, m = 77;
    uint32_t v = 0;
    if (!load_case(data_dir, "valid-rotation", &c)) {
        failed++;
        return;
    }
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_root_version(&ctx, &v), MODELSEAL_STATUS_OK);
    CHECK(v == 2);
    memset(tiny, 0x11, sizeof tiny);
    CHECK_ST(modelseal_verifier_get_new_root(&ctx, tiny, sizeof tiny, &m),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK(tiny[0] == 0x11 && m == 77);
    CHECK_ST(modelseal_verifier_get_new_root(&ctx, NULL, 0, &m), MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(modelseal_verifier_get_new_root(&ctx, root, sizeof root, &n), MODELSEAL_STATUS_OK);
    CHECK(n > 16 && n <= sizeof root);
    /* the chain's first envelope starts right after the 16-byte header */
    CHECK(n + 16 <= c.bundle.len && memcmp(root, c.bundle.data + 16, n) == 0);
    /* the copy outlives the bundle: a device that persisted it boots with it */
    {
        modelseal_policy p = case_policy(&c);
        CHECK_ST(init_accepting(&ctx, root, n, &p, NULL), MODELSEAL_STATUS_OK);
        /* The installed bundle still carries root v2: already applied, it
         * is skipped, the bundle re-verifies, and nothing new is persisted. */
        CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c.bundle.data, c.bundle.len),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_get_root_version(&ctx, &v), MODELSEAL_STATUS_OK);
        CHECK(v == 2);
        CHECK_ST(modelseal_verifier_get_new_root(&ctx, NULL, 0, &m), MODELSEAL_STATUS_OK);
        CHECK(m == 0);
    }
    free_case(&c);
}

/* The binding of a system configuration: the component it lists is
 * accepted under it, another is refused; the record can be persisted. */
static void test_config_binding(const char *data_dir) {
    case_data c;
    modelseal_verifier ctx;
    modelseal_config_ref cref;
    modelseal_config_binding stored;
    modelseal_identity id;
    uint8_t digest[32];
    if (!load_case(data_dir, "valid-under-system-config", &c)) {
        failed++;
        return;
    }
    CHECK(c.has_binding);
    CHECK(strcmp(c.binding.config_id, "vehicle-l2plus-eu") == 0);
    CHECK(strcmp(c.binding.config_version, "2026.01.0") == 0);
    CHECK(c.binding.allowed_count == 1);
    /* persisted as raw bytes, read back on the next boot */
    memcpy(&stored, &c.binding, sizeof stored);
    c.binding = stored;
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, digest, sizeof digest), MODELSEAL_STATUS_OK);
    CHECK(memcmp(digest, c.binding.allowed[0], 32) == 0);
    CHECK_ST(modelseal_verifier_get_config(&ctx, &cref), MODELSEAL_STATUS_OK);
    CHECK(cref.present && strcmp(cref.config_id, "vehicle-l2plus-eu") == 0);
    CHECK(strcmp(cref.config_version, "2026.01.0") == 0);
    CHECK(memcmp(cref.digest, c.binding.digest, 32) == 0);
    CHECK_ST(modelseal_verifier_get_identity(&ctx, &id), MODELSEAL_STATUS_OK);
    CHECK(id.config.present && strcmp(id.config.config_id, "vehicle-l2plus-eu") == 0);
    {
        uint8_t rec[MODELSEAL_MAX_IDENTITY_LEN];
        size_t n = identity_of(&ctx, rec);
        modelseal_identity d;
        CHECK_ST(modelseal_identity_decode(rec, n, NULL, &d), MODELSEAL_STATUS_OK);
        CHECK(d.config.present && memcmp(d.config.digest, c.binding.digest, 32) == 0);
        CHECK(strcmp(d.config.config_version, "2026.01.0") == 0);
    }
    /* without the binding the component installs with no configuration */
    c.has_binding = 0;
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_config(&ctx, &cref), MODELSEAL_STATUS_OK);
    CHECK(!cref.present);
    /* a configuration that lists another manifest */
    c.has_binding = 1;
    c.binding.allowed[0][0] ^= 1;
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_NOT_IN_CONFIGURATION);
    c.binding.allowed_count = 0;
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_NOT_IN_CONFIGURATION);
    free_case(&c);

    if (!load_case(data_dir, "component-not-in-system-config", &c)) {
        failed++;
        return;
    }
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_NOT_IN_CONFIGURATION);
    free_case(&c);

    /* the system configuration itself: its own config ref, and a binding */
    if (!load_case(data_dir, "valid-system-config", &c)) {
        failed++;
        return;
    }
    CHECK_ST(via_bytes(&ctx, &c, &c.bundle), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_config(&ctx, &cref), MODELSEAL_STATUS_OK);
    CHECK(cref.present && strcmp(cref.config_id, "vehicle-l2plus-eu") == 0);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, digest, sizeof digest), MODELSEAL_STATUS_OK);
    CHECK(memcmp(digest, cref.digest, 32) == 0);
    CHECK_ST(modelseal_verifier_get_config_binding(&ctx, &stored), MODELSEAL_STATUS_OK);
    CHECK(memcmp(stored.digest, digest, 32) == 0);
    {
        size_t count = 9;
        CHECK_ST(modelseal_verifier_get_component_count(&ctx, &count), MODELSEAL_STATUS_OK);
        CHECK(count == 0);
    }
    free_case(&c);
}

/* Contexts share nothing: two threads verify at once. */
/* Where `needle` (n bytes) first occurs in `hay`, or (size_t)-1. */
static size_t find(const uint8_t *hay, size_t len, const uint8_t *needle, size_t n) {
    size_t i;
    for (i = 0; i + n <= len; i++)
        if (memcmp(hay + i, needle, n) == 0) return i;
    return (size_t)-1;
}

/* The security review's three demonstrations of signed bytes read a second
 * time from caller memory (docs/SECURITY.md, "Review findings", 1). Each
 * must end in a refusal, never in an accepted artifact or root that was
 * not signed. */
static void test_review_reread(case_data *c, const char *data_dir) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    size_t head_len = head_len_of(&c->bundle), at;
    modelseal_artifact_info info;
    uint8_t signed_digest[32], evil_digest[32], *head, *evil;

    /* 1. Per chunk: after verify_head, artifact 0's signed digest in the
     * head buffer is replaced by the digest of attacker bytes, which are
     * then streamed. The record is re-authenticated at begin. */
    head = malloc(head_len);
    memcpy(head, c->bundle.data, head_len);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_head(&ctx, head, head_len), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_artifact(&ctx, 0, &info), MODELSEAL_STATUS_OK);
    evil = malloc(info.size);
    memcpy(evil, c->bundle.data + info.offset, info.size);
    sha256(evil, info.size, signed_digest);
    evil[0] ^= 0x5a;
    sha256(evil, info.size, evil_digest);
    at = find(head, head_len, signed_digest, 32);
    CHECK(at != (size_t)-1);
    if (at != (size_t)-1) {
        modelseal_status s;
        memcpy(head + at, evil_digest, 32);
        s = note(modelseal_verifier_begin_artifact(&ctx, 0));
        CHECK_ST(s, MODELSEAL_STATUS_INPUT_CHANGED);
        if (s == MODELSEAL_STATUS_OK) {
            modelseal_verifier_update_artifact(&ctx, evil, info.size);
            CHECK(modelseal_verifier_finish_artifact(&ctx) != MODELSEAL_STATUS_OK);
        }
        CHECK(modelseal_verifier_finish(&ctx) != MODELSEAL_STATUS_OK);
    }

    /* 2. Inside one verify_bundle_bytes call: memory that answers the
     * second read differently. The hash engine's first finish (the
     * manifest's digest, before its signatures are checked) swaps the
     * signed digest of the artifact tests/data/artifact-modified changed
     * for the digest of its modified payload. Before the fix this turned
     * ARTIFACT_DIGEST_MISMATCH into OK; now the second read is a copy that
     * must hash to the signed digest: INPUT_CHANGED. */
    {
        case_data m;
        test_engine te;
        modelseal_sha256_engine eng = engine_of(&te);
        if (load_case(data_dir, "artifact-modified", &m)) {
            uint8_t *copy = malloc(m.bundle.len), modified[32];
            size_t mh = head_len_of(&m.bundle);
            memcpy(copy, m.bundle.data, m.bundle.len);
            CHECK_ST(init_accepting(&ctx, m.root.data, m.root.len, &p, NULL),
                     MODELSEAL_STATUS_OK);
            CHECK_ST(modelseal_verifier_verify_head(&ctx, copy, mh), MODELSEAL_STATUS_OK);
            /* the artifact whose payload differs from the standard bundle's */
            {
                size_t k, count = 0;
                CHECK_ST(modelseal_verifier_get_artifact_count(&ctx, &count), MODELSEAL_STATUS_OK);
                for (k = 0; k < count; k++) {
                    CHECK_ST(modelseal_verifier_get_artifact(&ctx, k, &info), MODELSEAL_STATUS_OK);
                    if (memcmp(copy + info.offset, c->bundle.data + info.offset, info.size) != 0)
                        break;
                }
                CHECK(k < count);
            }
            sha256(copy + info.offset, info.size, modified);
            /* the original payload is in the untouched standard bundle */
            sha256(c->bundle.data + info.offset, info.size, signed_digest);
            at = find(copy, mh, signed_digest, 32);
            CHECK(at != (size_t)-1);
            memset(&te, 0, sizeof te);
            te.poke_after_finish = 1;
            te.poke_dst = copy + (at == (size_t)-1 ? 0 : at);
            te.poke_src = modified;
            te.poke_len = at == (size_t)-1 ? 0 : 32;
            CHECK_ST(init_accepting(&ctx, m.root.data, m.root.len, &p, &eng),
                     MODELSEAL_STATUS_OK);
            CHECK_ST(note(modelseal_verifier_verify_bundle_bytes(&ctx, copy, m.bundle.len)),
                     MODELSEAL_STATUS_INPUT_CHANGED);
            free(copy);
            free_case(&m);
        } else {
            failed++;
        }
    }

    /* 3. Rotation: after a rotating bundle verified, a key byte of root
     * v2's last role is changed in the buffer. The new root is copied out
     * only if it still hashes to what was verified: refused, and `out`
     * untouched, so the firmware never persists an unsigned root. */
    {
        case_data r;
        if (load_case(data_dir, "valid-rotation", &r)) {
            uint8_t *copy = malloc(r.bundle.len), root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN];
            modelseal_policy rp = case_policy(&r);
            size_t n = 12345;
            uint32_t doc_len;
            memcpy(copy, r.bundle.data, r.bundle.len);
            CHECK_ST(init_accepting(&ctx, r.root.data, r.root.len, &rp, NULL),
                     MODELSEAL_STATUS_OK);
            CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, copy, r.bundle.len),
                     MODELSEAL_STATUS_OK);
            /* root v2's envelope follows the 16-byte header; its document
             * length is at envelope offset 12, its document at offset 16 */
            doc_len = (uint32_t)copy[28] | (uint32_t)copy[29] << 8 | (uint32_t)copy[30] << 16 |
                      (uint32_t)copy[31] << 24;
            copy[32 + doc_len - 12] ^= 0x01;
            memset(root, 0x11, sizeof root);
            CHECK_ST(note(modelseal_verifier_get_new_root(&ctx, root, sizeof root, &n)),
                     MODELSEAL_STATUS_INPUT_CHANGED);
            CHECK(n == 12345 && root[0] == 0x11);
            /* put back, and the same call answers */
            copy[32 + doc_len - 12] ^= 0x01;
            CHECK_ST(modelseal_verifier_get_new_root(&ctx, root, sizeof root, &n),
                     MODELSEAL_STATUS_OK);
            free(copy);
            free_case(&r);
        } else {
            failed++;
        }
    }
    free(evil);
    free(head);
}

/* One floor per kind (review finding 2): a system-configuration bundle
 * raises its own floor and leaves the component floor as it was. */
static void test_review_floors(const char *data_dir) {
    case_data sc;
    modelseal_verifier ctx;
    uint64_t comp = 0, sys = 0;
    if (!load_case(data_dir, "valid-system-config", &sc)) {
        failed++;
        return;
    }
    {
        modelseal_policy p = case_policy(&sc);
        p.component_floor = 5;
        p.system_config_floor = 1;
        CHECK_ST(init_accepting(&ctx, sc.root.data, sc.root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, sc.bundle.data, sc.bundle.len),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_get_floors(&ctx, &comp, &sys), MODELSEAL_STATUS_OK);
        CHECK(comp == 5);
        CHECK(sys == 3);
        /* a counter-3 configuration must not lower a component floor of 5,
         * nor raise it: a component floor of 0 stays 0 */
        p.component_floor = 0;
        CHECK_ST(init_accepting(&ctx, sc.root.data, sc.root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, sc.bundle.data, sc.bundle.len),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_get_floors(&ctx, &comp, &sys), MODELSEAL_STATUS_OK);
        CHECK(comp == 0 && sys == 3);
        CHECK_ST(modelseal_verifier_get_floors(&ctx, NULL, &sys), MODELSEAL_STATUS_NULL_ARGUMENT);
    }
    free_case(&sc);
}

/* Equal counter, other bundle (review finding 3): with the installed
 * digest pinned, only that very bundle is accepted at the floor. */
static void test_review_pinned(case_data *c, const char *fixtures) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    uint8_t installed[32];
    blob twin = load(fixtures, "twin/bundle.msb");
    CHECK(twin.data != NULL);
    if (!twin.data) return;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_manifest_digest(&ctx, installed, sizeof installed),
             MODELSEAL_STATUS_OK);
    p.component_floor = 7;
    /* without the pin, a different bundle at the floor is accepted */
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, twin.data, twin.len), MODELSEAL_STATUS_OK);
    /* with it, only the installed one */
    p.installed_digest = installed;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, twin.data, twin.len),
             MODELSEAL_STATUS_ROLLBACK);
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, c->bundle.data, c->bundle.len),
             MODELSEAL_STATUS_OK);
    free(twin.data);
}

/* Parameter sets (review finding 4): the firmware reads the signed digest
 * of the set it loads and checks its data. */
static void test_review_parameter_sets(const char *data_dir) {
    case_data sc;
    modelseal_verifier ctx;
    modelseal_parameter_set set;
    size_t n = 0;
    /* the fixtures' parameter set signs the digest of these bytes */
    static const uint8_t data[] = "eu highway parameters";
    uint8_t wrong[sizeof data];
    if (!load_case(data_dir, "valid-system-config", &sc)) {
        failed++;
        return;
    }
    {
        modelseal_policy p = case_policy(&sc);
        CHECK_ST(init_accepting(&ctx, sc.root.data, sc.root.len, &p, NULL),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_get_parameter_set_count(&ctx, &n), MODELSEAL_STATUS_INVALID_STATE);
        CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, sc.bundle.data, sc.bundle.len),
                 MODELSEAL_STATUS_OK);
        CHECK_ST(modelseal_verifier_get_parameter_set_count(&ctx, &n), MODELSEAL_STATUS_OK);
        CHECK(n >= 1);
        CHECK_ST(modelseal_verifier_get_parameter_set(&ctx, 0, &set), MODELSEAL_STATUS_OK);
        CHECK(set.name[0] != 0);
        CHECK_ST(modelseal_verifier_get_parameter_set(&ctx, n, &set),
                 MODELSEAL_STATUS_INDEX_OUT_OF_RANGE);
        CHECK_ST(modelseal_verifier_check_parameter_set(&ctx, 0, data, sizeof data - 1),
                 MODELSEAL_STATUS_OK);
        memcpy(wrong, data, sizeof data);
        wrong[3] ^= 0x20;
        CHECK_ST(modelseal_verifier_check_parameter_set(&ctx, 0, wrong, sizeof data - 1),
                 MODELSEAL_STATUS_ARTIFACT_DIGEST_MISMATCH);
        CHECK_ST(modelseal_verifier_check_parameter_set(&ctx, n, data, sizeof data - 1),
                 MODELSEAL_STATUS_NO_SUCH_ARTIFACT);
    }
    free_case(&sc);
}

/* A device twelve rotations behind (review finding 7): the release's chain
 * (v5 .. v12) does not reach it; the root update (v2 .. v9) does, then the
 * release installs. */
static void test_review_root_update(case_data *c, const char *fixtures) {
    modelseal_verifier ctx;
    modelseal_policy p = standard_policy();
    modelseal_root_update res;
    uint8_t root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN], tiny[16];
    uint32_t v = 0;
    blob update = load(fixtures, "backlog/root-update.msu");
    blob release = load(fixtures, "backlog/bundle.msb");
    CHECK(update.data != NULL && release.data != NULL);
    if (!update.data || !release.data) return;
    CHECK_ST(init_accepting(&ctx, c->root.data, c->root.len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, release.data, release.len),
             MODELSEAL_STATUS_ROOT_VERSION_NOT_NEXT);
    /* a bundle is not a root update */
    CHECK_ST(modelseal_verifier_apply_root_update(&ctx, release.data, release.len, root, sizeof root,
                                                  &res),
             MODELSEAL_STATUS_BAD_MAGIC);
    CHECK_ST(modelseal_verifier_apply_root_update(&ctx, update.data, update.len, tiny, sizeof tiny,
                                                  &res),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK_ST(modelseal_verifier_apply_root_update(&ctx, update.data, update.len, root, sizeof root,
                                                  NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_apply_root_update(&ctx, update.data, update.len - 1, root,
                                                  sizeof root, &res),
             MODELSEAL_STATUS_TRUNCATED);
    CHECK_ST(modelseal_verifier_apply_root_update(&ctx, update.data, update.len, root, sizeof root,
                                                  &res),
             MODELSEAL_STATUS_OK);
    CHECK(res.root_version == 9 && res.root_len > 16 && res.component_floor == 5);
    /* the device persists the root, and the release installs on it */
    CHECK_ST(init_accepting(&ctx, root, res.root_len, &p, NULL), MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_verify_bundle_bytes(&ctx, release.data, release.len),
             MODELSEAL_STATUS_OK);
    CHECK_ST(modelseal_verifier_get_root_version(&ctx, &v), MODELSEAL_STATUS_OK);
    CHECK(v == 12);
    free(update.data);
    free(release.data);
}

typedef struct {
    case_data *c;
    int ok;
} thread_arg;

static void *thread_main(void *p) {
    thread_arg *a = p;
    modelseal_verifier ctx;
    int i;
    a->ok = 1;
    for (i = 0; i < 5; i++) {
        if (via_bytes(&ctx, a->c, &a->c->bundle) != MODELSEAL_STATUS_OK) a->ok = 0;
        if (via_chunks(&ctx, a->c, &a->c->bundle, 333, i & 1, NULL) != MODELSEAL_STATUS_OK) a->ok = 0;
    }
    return NULL;
}

static void test_threads(case_data *c) {
    pthread_t t[2];
    thread_arg a[2];
    int i;
    for (i = 0; i < 2; i++) {
        a[i].c = c;
        a[i].ok = 0;
        CHECK(pthread_create(&t[i], NULL, thread_main, &a[i]) == 0);
    }
    for (i = 0; i < 2; i++) {
        CHECK(pthread_join(t[i], NULL) == 0);
        CHECK(a[i].ok);
    }
}

/* ------------------------------------------------------ version report */

/* A software device key: Ed25519 through OpenSSL, from a fixed seed. What
 * a secure element does in a car. */
typedef struct {
    EVP_PKEY *key;
    int calls;
    int fail;
} soft_signer;

static int soft_sign(void *user, const uint8_t *message, uint8_t *signature) {
    soft_signer *s = user;
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    size_t sig_len = MODELSEAL_REPORT_SIGNATURE_LEN;
    int ok;
    s->calls++;
    if (s->fail) {
        /* A failing element may scribble on its output: the library must
         * not pass that on. */
        memset(signature, 0xee, MODELSEAL_REPORT_SIGNATURE_LEN);
        EVP_MD_CTX_free(md);
        return -1;
    }
    ok = md && EVP_DigestSignInit(md, NULL, NULL, NULL, s->key) == 1 &&
         EVP_DigestSign(md, signature, &sig_len, message, MODELSEAL_REPORT_MESSAGE_LEN) == 1 &&
         sig_len == MODELSEAL_REPORT_SIGNATURE_LEN;
    EVP_MD_CTX_free(md);
    return ok ? 0 : -1;
}

static int report_signature_verifies(EVP_PKEY *key, const uint8_t *rep, size_t n) {
    /* message = domain tag || SHA-256(header and body) */
    static const char tag[32] = "modelseal/v1/version-report";
    uint8_t msg[64];
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok;
    memcpy(msg, tag, 32);
    sha256(rep, n - 64, msg + 32);
    ok = md && EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) == 1 &&
         EVP_DigestVerify(md, rep + n - 64, 64, msg, sizeof msg) == 1;
    EVP_MD_CTX_free(md);
    return ok;
}

static void test_report(case_data *c) {
    static const uint8_t seed[32] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16,
                                     17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30, 31, 32};
    uint8_t nonce[32], rep[MODELSEAL_MAX_REPORT_LEN], before[MODELSEAL_MAX_REPORT_LEN];
    const char *serial = "SN-000123";
    uint64_t when = 1780272000u;
    size_t n = 7, i;
    modelseal_verifier ctx;
    soft_signer ss = {NULL, 0, 0};
    modelseal_report_signer signer;
    modelseal_report_signer bad_alg, no_fn;

    fprintf(stderr, "version report\n");
    ss.key = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, sizeof seed);
    CHECK(ss.key != NULL);
    if (!ss.key) return;
    signer.algorithm = MODELSEAL_REPORT_ALG_ED25519;
    signer.user = &ss;
    signer.sign = soft_sign;
    bad_alg = signer;
    bad_alg.algorithm = 9;
    no_fn = signer;
    no_fn.sign = NULL;
    for (i = 0; i < sizeof nonce; i++) nonce[i] = (uint8_t)(0xa0 + i);

    /* Before a verified bundle: nothing to report. */
    CHECK_ST(modelseal_verifier_encode_report(NULL, nonce, 32, 1, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(via_bytes(&ctx, c, &c->bundle), MODELSEAL_STATUS_OK);

    /* The answer: signed, naming the nonce and the serial. */
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 42, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_OK);
    CHECK(n > 10 + 64 && n <= MODELSEAL_MAX_REPORT_LEN);
    CHECK(memcmp(rep, "MSVR", 4) == 0 && rep[6] == MODELSEAL_REPORT_ALG_ED25519);
    CHECK((size_t)(rep[8] | rep[9] << 8) + 10 + 64 == n);
    CHECK(rep[10] == 32 && memcmp(rep + 11, nonce, 32) == 0);
    CHECK(report_signature_verifies(ss.key, rep, n));
    rep[20] ^= 1;
    CHECK(!report_signature_verifies(ss.key, rep, n));
    /* With a trusted time: a longer report, still signed. */
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 16, 43, &when, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_OK);
    CHECK(report_signature_verifies(ss.key, rep, n));

    /* A failing signer: its status, and not one byte written. */
    memset(rep, 0x5a, sizeof rep);
    memcpy(before, rep, sizeof rep);
    n = 7;
    ss.fail = 1;
    ss.calls = 0;
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 44, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_SIGNER_FAILED);
    CHECK(ss.calls == 1 && n == 7 && memcmp(rep, before, sizeof rep) == 0);
    ss.fail = 0;

    /* Bad requests and arguments: a status each, nothing written. */
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 15, 1, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_INVALID);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 33, 1, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_LIMIT_EXCEEDED);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 1, NULL, "S N", 3, &signer, rep,
                                              sizeof rep, &n),
             MODELSEAL_STATUS_INVALID);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 1, NULL, serial, strlen(serial),
                                              &bad_alg, rep, sizeof rep, &n),
             MODELSEAL_STATUS_UNSUPPORTED_ALGORITHM);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 1, NULL, serial, strlen(serial),
                                              &no_fn, rep, sizeof rep, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 1, NULL, serial, strlen(serial),
                                              NULL, rep, sizeof rep, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, NULL, 32, 1, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, &n),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 1, NULL, serial, strlen(serial),
                                              &signer, rep, sizeof rep, NULL),
             MODELSEAL_STATUS_NULL_ARGUMENT);
    CHECK_ST(modelseal_verifier_encode_report(&ctx, nonce, 32, 1, NULL, serial, strlen(serial),
                                              &signer, rep, 100, &n),
             MODELSEAL_STATUS_BUFFER_TOO_SMALL);
    CHECK(n == 7 && memcmp(rep, before, sizeof rep) == 0);
    EVP_PKEY_free(ss.key);
}

int main(int argc, char **argv) {
    const char *data_dir = argc > 1 ? argv[1] : "tests/data";
    case_data std_case;
    char **names = NULL;
    size_t n_names = 0, i;
    FILE *ls;
    char cmd[1200], line[512];

    fprintf(stderr, "modelseal %s C API tests (context %d bytes, alignment %d)\n",
            modelseal_version(), MODELSEAL_VERIFIER_SIZE, MODELSEAL_VERIFIER_ALIGN);
    test_library();

    /* every case directory */
    snprintf(cmd, sizeof cmd, "ls '%s'", data_dir);
    ls = popen(cmd, "r");
    while (ls && fgets(line, sizeof line, ls)) {
        trim(line);
        names = realloc(names, (n_names + 1) * sizeof *names);
        names[n_names++] = strdup(line);
    }
    if (ls) pclose(ls);
    CHECK(n_names >= 44);
    for (i = 0; i < n_names; i++) {
        test_case(data_dir, names[i]);
        free(names[i]);
    }
    free(names);

    if (!load_case(data_dir, "valid-component", &std_case)) {
        fprintf(stderr, "tests/data/valid-component is missing\n");
        return 1;
    }
    test_null_and_state(&std_case);
    test_policy_arguments(&std_case);
    test_refused_init(&std_case);
    test_per_chunk_helpers(data_dir, &std_case);
    test_short_inputs(&std_case);
    test_read_contract(data_dir, &std_case);
    test_per_chunk_statuses(&std_case);
    test_identity(&std_case);
    test_report(&std_case);
    test_work_buffers(&std_case);
    test_failure_injection(&std_case);
    test_head_mutations(&std_case);
    test_rotation(data_dir);
    test_config_binding(data_dir);
    test_review_reread(&std_case, data_dir);
    test_review_floors(data_dir);
    test_review_pinned(&std_case, argc > 2 ? argv[2] : "c-fixtures");
    test_review_parameter_sets(data_dir);
    test_review_root_update(&std_case, argc > 2 ? argv[2] : "c-fixtures");
    test_threads(&std_case);
    test_verity(&std_case);
    test_verity_not_accepted(&std_case);
    free_case(&std_case);

    /* every status number reached from C (127 stands for core errors this
     * library has no number for: none exist, so it cannot be reached) */
    {
        unsigned s;
        for (s = 0; s < 128; s++) {
            const char *msg = modelseal_status_str(s);
            if (strcmp(msg, "unknown status") == 0 || s == MODELSEAL_STATUS_UNKNOWN_ERROR) continue;
            if (s == MODELSEAL_STATUS_OK) continue;
            if (!reached[s]) fprintf(stderr, "status %u (%s) never reached from C\n", s, msg);
            CHECK(reached[s]);
        }
    }

    printf("c-api: %lu passed, %lu failed\n", passed, failed);
    return failed ? 1 : 0;
}
