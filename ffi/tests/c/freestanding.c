/*
 * The freestanding link test: the ECU build of the library, linked with
 * -ffreestanding -nostdlib -static and nothing else but the mem* functions
 * below and the _start of start.S. Linking proves the library needs no
 * libc, no allocator and no std; running it verifies an embedded bundle and
 * refuses an embedded tampered one.
 *
 * Exit status: 0 when the good bundle verified (and its identity record
 * decodes) and the bad one was refused with ARTIFACT_DIGEST_MISMATCH;
 * otherwise the first unexpected modelseal status (or 100 + step).
 *
 * Built with -DNO_VERIFIER, the program calls nothing of the library: the
 * size difference between the two binaries is what the verifier adds. With
 * -DVERIFY_ONLY it calls only what a boot check needs (init, verify_bundle,
 * manifest digest); by default it also encodes and decodes the identity.
 */
#include "modelseal.h"
#include "test_policy.h"

/* ---- what the C runtime would provide: the compiler may emit calls to
 * these, and so may the library. */
void *memcpy(void *dst, const void *src, size_t n);
void *memmove(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);
int memcmp(const void *a, const void *b, size_t n);
int bcmp(const void *a, const void *b, size_t n);

void *memcpy(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    while (n--) *d++ = *s++;
    return dst;
}
void *memmove(void *dst, const void *src, size_t n) {
    unsigned char *d = dst;
    const unsigned char *s = src;
    if (d < s) {
        while (n--) *d++ = *s++;
    } else {
        while (n--) d[n] = s[n];
    }
    return dst;
}
void *memset(void *dst, int c, size_t n) {
    unsigned char *d = dst;
    while (n--) *d++ = (unsigned char)c;
    return dst;
}
int memcmp(const void *a, const void *b, size_t n) {
    const unsigned char *x = a, *y = b;
    for (; n; n--, x++, y++) {
        if (*x != *y) return *x < *y ? -1 : 1;
    }
    return 0;
}
int bcmp(const void *a, const void *b, size_t n) { return memcmp(a, b, n); }

/* ---- raw Linux system calls (x86-64) */
static long sys_write(const void *buf, size_t len) {
    long ret;
    __asm__ volatile("syscall"
                     : "=a"(ret)
                     : "a"(1L), "D"(1L), "S"(buf), "d"(len)
                     : "rcx", "r11", "memory");
    return ret;
}

static void put(const char *s) {
    size_t n = 0;
    while (s[n]) n++;
    sys_write(s, n);
}

extern const uint8_t fs_root[], fs_root_end[], fs_bundle[], fs_bundle_end[], fs_bad[],
    fs_bad_end[];

int fs_main(void);

#ifdef EVERY_FUNCTION

/* Every function the library exports, linked (KEEP_FILE lists them). With
 * the library built for the panic-freedom proof, this links only if no
 * panic path is reachable from any of them. */
typedef void (*any_fn)(void);
#define KEEP(f) (any_fn)f,
static any_fn const volatile keep[] = {
#include KEEP_FILE
};

int fs_main(void) {
    size_t i;
    for (i = 0; i < sizeof keep / sizeof keep[0]; i++)
        if (!keep[i]) return 1;
    put("freestanding: every API function linked\n");
    return 0;
}

#elif defined(NO_VERIFIER)

int fs_main(void) {
    /* Reference the fixtures, as the verifying variants do. */
    const volatile uint8_t *keep = fs_bundle;
    put("freestanding: no verifier\n");
    return keep[0] == 'M' ? 0 : 1;
}

#else

/* The bundle "in flash": read through the callback. */
typedef struct {
    const uint8_t *data;
    size_t len;
} flash;

static int flash_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    const flash *f = user;
    if (offset > f->len || len > f->len - offset) return -1;
    memcpy(buf, f->data + offset, len);
    return 0;
}

#ifdef REPORT
/* The secure element's stand-in: a fixed "signature" (the freestanding
 * image measures what the library adds, not a signing implementation). */
static int stub_sign(void *user, const uint8_t *message, uint8_t *signature) {
    size_t i;
    (void)user;
    for (i = 0; i < MODELSEAL_REPORT_SIGNATURE_LEN; i++) signature[i] = message[i] ^ 0x5a;
    return 0;
}
#endif

static modelseal_status verify(modelseal_verifier *ctx, const uint8_t *bundle, size_t len,
                               uint8_t *work, size_t work_len) {
    modelseal_policy p = standard_policy();
    flash f;
    modelseal_status s;
    s = modelseal_verifier_init(ctx, fs_root, (size_t)(fs_root_end - fs_root), &p, NULL);
#ifdef ACCEPT_VERITY
    if (s == MODELSEAL_STATUS_OK) s = modelseal_verifier_accept_verity(ctx);
#endif
    if (s != MODELSEAL_STATUS_OK) return s;
    f.data = bundle;
    f.len = len;
    return modelseal_verifier_verify_bundle(ctx, flash_read, &f, len, work, work_len);
}

int fs_main(void) {
    modelseal_verifier ctx;
    uint8_t work[8192];
    uint8_t digest[MODELSEAL_DIGEST_LEN];
    uint8_t record[MODELSEAL_MAX_IDENTITY_LEN];
    modelseal_identity id;
    size_t n = 0, i;
    char hex[2 * MODELSEAL_DIGEST_LEN + 2];
    static const char digits[] = "0123456789abcdef";
    modelseal_status s;

    s = verify(&ctx, fs_bundle, (size_t)(fs_bundle_end - fs_bundle), work, sizeof work);
    if (s != MODELSEAL_STATUS_OK) {
        put("freestanding: good bundle refused: ");
        put(modelseal_status_str(s));
        put("\n");
        return (int)s;
    }
    if (modelseal_verifier_get_manifest_digest(&ctx, digest, sizeof digest) != MODELSEAL_STATUS_OK)
        return 101;
    for (i = 0; i < MODELSEAL_DIGEST_LEN; i++) {
        hex[2 * i] = digits[digest[i] >> 4];
        hex[2 * i + 1] = digits[digest[i] & 15];
    }
    hex[2 * MODELSEAL_DIGEST_LEN] = '\n';
    hex[2 * MODELSEAL_DIGEST_LEN + 1] = 0;
    put("freestanding: verified, manifest ");
    put(hex);
#ifndef VERIFY_ONLY
    if (modelseal_verifier_encode_identity(&ctx, record, sizeof record, &n) != MODELSEAL_STATUS_OK)
        return 102;
    if (modelseal_identity_decode(record, n, NULL, &id) != MODELSEAL_STATUS_OK) return 103;
    if (memcmp(id.manifest_digest, digest, sizeof digest) != 0) return 104;
    put("freestanding: identity ");
    put(id.components[0].family);
    put(" ");
    put(id.components[0].version);
    put("\n");
#else
    (void)record;
    (void)id;
    (void)n;
#endif
#ifdef REPORT
    {
        /* The boot check plus the version report: what the encoder adds. */
        static const uint8_t nonce[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
        static const char serial[] = "SN-000123";
        uint8_t rep[MODELSEAL_MAX_REPORT_LEN];
        modelseal_report_signer signer;
        signer.algorithm = MODELSEAL_REPORT_ALG_ED25519;
        signer.user = NULL;
        signer.sign = stub_sign;
        if (modelseal_verifier_encode_report(&ctx, nonce, sizeof nonce, 1, NULL, serial,
                                             sizeof serial - 1, &signer, rep, sizeof rep,
                                             &n) != MODELSEAL_STATUS_OK)
            return 106;
        if (rep[0] != 'M' || n < 100) return 107;
        put("freestanding: version report encoded\n");
    }
#endif

    s = verify(&ctx, fs_bad, (size_t)(fs_bad_end - fs_bad), work, sizeof work);
    if (s != MODELSEAL_STATUS_ARTIFACT_DIGEST_MISMATCH) {
        put("freestanding: tampered bundle not refused as expected\n");
        return s == MODELSEAL_STATUS_OK ? 105 : (int)s;
    }
    put("freestanding: tampered bundle refused: ");
    put(modelseal_status_str(s));
    put("\n");
    return 0;
}

#endif
