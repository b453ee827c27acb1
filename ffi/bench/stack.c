/*
 * Peak stack of a full verification, measured by painting: run each
 * verification on a private, painted stack (makecontext/swapcontext), then
 * find the deepest byte that changed. The context, work buffer and bundle
 * live outside that stack, as a firmware would place them, so the figure is
 * the stack the library calls themselves need (plus a few bytes of this
 * harness's frame).
 *
 * Usage: stack <root.msr> <bundle.msb>
 */
#define _XOPEN_SOURCE 700
#include "modelseal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#define STACK_SIZE (512 * 1024)
#define PAINT 0xa5

static ucontext_t main_ctx, run_ctx;
static unsigned char *stack;
static modelseal_verifier ctx;
static unsigned char *root_buf, *bundle_buf;
static size_t root_len, bundle_len;
static unsigned char work[64 * 1024];
static unsigned char record[MODELSEAL_MAX_IDENTITY_LEN];
static size_t record_len;
static modelseal_status result;
static int scenario;

static unsigned char *load(const char *path, size_t *len) {
    FILE *f = fopen(path, "rb");
    unsigned char *b;
    long n;
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    *len = (size_t)n;
    return b;
}

static int mem_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    (void)user;
    if (offset > bundle_len || len > bundle_len - offset) return -1;
    memcpy(buf, bundle_buf + offset, len);
    return 0;
}

static modelseal_policy policy(void) {
    static const char hw[] = "HW-FC-0042", plat[] = "PLAT-A", market[] = "EU";
    modelseal_policy p;
    memset(&p, 0, sizeof p);
    p.kind = MODELSEAL_KIND_COMPONENT;
    p.min_stage = MODELSEAL_STAGE_STAGING;
    p.expiry = MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK;
    p.hardware_id = hw;
    p.hardware_id_len = sizeof hw - 1;
    p.platform = plat;
    p.platform_len = sizeof plat - 1;
    p.market = market;
    p.market_len = sizeof market - 1;
    return p;
}

/* Each scenario in a function of its own, never inlined, so the painted
 * stack holds the verifier's frames and one small caller frame, as a boot
 * routine would: not the locals of the other scenarios. */
static __attribute__((noinline)) modelseal_status decode_identity(void) {
    modelseal_identity id;
    return modelseal_identity_decode(record, record_len, NULL, &id);
}

static __attribute__((noinline)) modelseal_status whole_bundle(void) {
    size_t n = 0;
    modelseal_status st = modelseal_verifier_verify_bundle(&ctx, mem_read, NULL, bundle_len, work,
                                                           sizeof work);
    if (st == MODELSEAL_STATUS_OK)
        st = modelseal_verifier_encode_identity(&ctx, record, sizeof record, &n);
    record_len = n;
    return st;
}

static __attribute__((noinline)) modelseal_status per_chunk(void) {
    size_t head_len = 0, count = 0, i;
    modelseal_status st = modelseal_bundle_get_head_len(bundle_buf, bundle_len, &head_len);
    if (st == MODELSEAL_STATUS_OK) st = modelseal_verifier_verify_head(&ctx, bundle_buf, head_len);
    if (st == MODELSEAL_STATUS_OK) st = modelseal_verifier_get_artifact_count(&ctx, &count);
    for (i = 0; st == MODELSEAL_STATUS_OK && i < count; i++) {
        modelseal_artifact_info info;
        st = modelseal_verifier_get_artifact(&ctx, i, &info);
        if (st == MODELSEAL_STATUS_OK) st = modelseal_verifier_begin_artifact(&ctx, i);
        if (st == MODELSEAL_STATUS_OK)
            st = modelseal_verifier_update_artifact(&ctx, bundle_buf + info.offset,
                                                    (size_t)info.size);
        if (st == MODELSEAL_STATUS_OK) st = modelseal_verifier_finish_artifact(&ctx);
    }
    if (st == MODELSEAL_STATUS_OK) st = modelseal_verifier_finish(&ctx);
    return st;
}

/* The secure element's stand-in: its own stack is not the library's. */
static int stub_sign(void *user, const uint8_t *message, uint8_t *signature) {
    (void)user;
    memcpy(signature, message, MODELSEAL_REPORT_SIGNATURE_LEN);
    return 0;
}

static __attribute__((noinline)) modelseal_status encode_report(void) {
    static const uint8_t nonce[32] = {1};
    static const char serial[] = "SN-000123";
    static unsigned char rep[MODELSEAL_MAX_REPORT_LEN];
    modelseal_report_signer signer;
    size_t n = 0;
    signer.algorithm = MODELSEAL_REPORT_ALG_ED25519;
    signer.user = NULL;
    signer.sign = stub_sign;
    return modelseal_verifier_encode_report(&ctx, nonce, sizeof nonce, 1, NULL, serial,
                                            sizeof serial - 1, &signer, rep, sizeof rep, &n);
}

static __attribute__((noinline)) modelseal_status init(void) {
    modelseal_policy p = policy();
    modelseal_status s = modelseal_verifier_init(&ctx, root_buf, root_len, &p, NULL);
    return s == MODELSEAL_STATUS_OK ? modelseal_verifier_accept_verity(&ctx) : s;
}

static void run(void) {
    if (scenario == 3) {
        result = decode_identity();
        return;
    }
    if (scenario == 4) { /* the context verified beforehand, off the painted stack */
        result = encode_report();
        return;
    }
    result = init();
    if (result != MODELSEAL_STATUS_OK) return;
    switch (scenario) {
    case 0: /* whole bundle through the read callback, then the identity */
        result = whole_bundle();
        break;
    case 1: /* per chunk */
        result = per_chunk();
        break;
    default: /* init alone */
        break;
    }
}

static size_t measure(int which) {
    size_t i;
    scenario = which;
    memset(stack, PAINT, STACK_SIZE);
    getcontext(&run_ctx);
    run_ctx.uc_stack.ss_sp = stack;
    run_ctx.uc_stack.ss_size = STACK_SIZE;
    run_ctx.uc_link = &main_ctx;
    makecontext(&run_ctx, run, 0);
    swapcontext(&main_ctx, &run_ctx);
    for (i = 0; i < STACK_SIZE && stack[i] == PAINT; i++) {
    }
    return STACK_SIZE - i;
}

int main(int argc, char **argv) {
    static const char *names[] = {
        "verify_bundle (read callback) + encode_identity",
        "per chunk: verify_head + begin/update/finish + finish",
        "verifier_init alone",
        "identity_decode alone (HiL read-back)",
        "encode_report alone (after a verified bundle; signer excluded)",
    };
    int k;
    if (argc != 3 || !(root_buf = load(argv[1], &root_len)) ||
        !(bundle_buf = load(argv[2], &bundle_len))) {
        fprintf(stderr, "usage: stack <root.msr> <bundle.msb>\n");
        return 64;
    }
    stack = malloc(STACK_SIZE);
    printf("context: %d bytes, alignment %d (MODELSEAL_VERIFIER_SIZE/_ALIGN)\n",
           MODELSEAL_VERIFIER_SIZE, MODELSEAL_VERIFIER_ALIGN);
    for (k = 0; k < 5; k++) {
        size_t used;
        if (k == 4 && (init() != MODELSEAL_STATUS_OK || whole_bundle() != MODELSEAL_STATUS_OK)) {
            fprintf(stderr, "scenario 4: the bundle did not verify\n");
            return 1;
        }
        used = measure(k);
        if (result != MODELSEAL_STATUS_OK) {
            fprintf(stderr, "scenario %d failed: %s\n", k, modelseal_status_str(result));
            return 1;
        }
        printf("peak stack: %6zu bytes  %s\n", used, names[k]);
    }
    return 0;
}
