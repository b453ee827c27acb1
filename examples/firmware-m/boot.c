/*
 * firmware-m: the boot check of an ECU as bare-metal firmware for a
 * Cortex-M (no C library, no heap, no operating system), run under QEMU on
 * the MPS2 boards (mps2-an386 = Cortex-M4F, mps2-an385 = Cortex-M3).
 *
 * The trust root sits in flash where the factory provisioned it; the bundle
 * sits in its flash partition and is read through the read callback, as a
 * driver of an external or non-mapped flash would serve it. The device
 * policy is fixed, as in firmware: hardware id HW-FC-0042, platform PLAT-A,
 * market EU, component bundles, stage Staging or better, no trusted clock,
 * and the counter floor the device stored (COUNTER_FLOOR, default 5).
 *
 * The boot check: modelseal_verifier_init, modelseal_verifier_verify_bundle,
 * then what the device must persist (the counter floor, a new trust root)
 * and the bundle's identity (the manifest digest). It prints the verdict
 * over semihosting and exits with the status number: 0 verified, otherwise
 * the modelseal status of the refusal (27 tampered, 20 rollback, 16 wrong
 * hardware, 11 signature rejected, ...; see include/modelseal.h), 125 on
 * a CPU fault (startup.S).
 *
 * Variants (make VARIANT=..., see the Makefile):
 *   boot      the boot check (default);
 *   baseline  the same firmware without the boot check: it calls nothing of
 *             modelseal, so the flash difference is what the check adds;
 *   every     the boot check, plus every function the library exports
 *             linked in (KEEP_FILE lists them);
 *   (any of these with STATUS_TEXT=0: statuses printed as numbers, the
 *             version string and the status messages not linked: the boot
 *             check exactly as the footprint goals define it; with
 *             VERITY=1: the device also accepts fs-verity digests; with
 *             PER_CHUNK=1: the bundle goes through the per-chunk calls,
 *             as a download would, instead of verify_bundle)
 *   measure   the boot check between two reads of a CMSDK timer, on a
 *             painted stack: prints the peak stack and the timer ticks (under
 *             `qemu-system-arm -icount shift=0` one guest instruction is one
 *             nanosecond of virtual time), the ticks of the head alone
 *             (init + verify_head, no artifact bytes), and a calibration
 *             loop of a known instruction count.
 */
#include "modelseal.h"

/* Provided by the library archive (compiler-builtins), as the C runtime
 * would; the compiler may also emit calls to them. */
void *memcpy(void *dst, const void *src, size_t n);
void *memset(void *dst, int c, size_t n);

/* startup.S */
void fw_puts(const char *s);
extern const uint8_t fw_root[], fw_root_end[], fw_bundle[], fw_bundle_end[];

int main(void);

#ifndef COUNTER_FLOOR
#define COUNTER_FLOOR 5u
#endif

/* ---- output: one line buffer, flushed through semihosting */

static char line[256];
static size_t line_len;

static void out_flush(void) {
    line[line_len] = '\0';
    fw_puts(line);
    line_len = 0;
}

static void out_char(char c) {
    if (line_len + 1 >= sizeof line) out_flush();
    line[line_len++] = c;
    if (c == '\n') out_flush();
}

static void out_str(const char *s) {
    while (*s) out_char(*s++);
}

/* Decimal by subtraction: no 64-bit division helper needed. */
static void out_u64(uint64_t v) {
    static const uint64_t pow10[20] = {
        1ull, 10ull, 100ull, 1000ull, 10000ull, 100000ull, 1000000ull, 10000000ull,
        100000000ull, 1000000000ull, 10000000000ull, 100000000000ull, 1000000000000ull,
        10000000000000ull, 100000000000000ull, 1000000000000000ull, 10000000000000000ull,
        100000000000000000ull, 1000000000000000000ull, 10000000000000000000ull};
    int i, started = 0;
    for (i = 19; i >= 0; i--) {
        unsigned d = 0;
        while (v >= pow10[i]) {
            v -= pow10[i];
            d++;
        }
        if (d || started || i == 0) {
            out_char((char)('0' + d));
            started = 1;
        }
    }
}

#ifndef FW_BASELINE

static void out_hex(const uint8_t *b, size_t n) {
    static const char digits[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out_char(digits[b[i] >> 4]);
        out_char(digits[b[i] & 15u]);
    }
}

/* ---- the bundle partition, read through the callback */

typedef struct {
    const uint8_t *base;
    size_t len;
} flash_partition;

static int flash_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    const flash_partition *p = user;
    if (offset > p->len || len > p->len - (size_t)offset) return -1;
    memcpy(buf, p->base + (size_t)offset, len);
    return 0;
}

/* ---- the boot check */

/* Sized for the bundles this ECU ships: the head of a component bundle (a
 * few KiB) plus a read chunk. MODELSEAL_MAX_HEAD_LEN bounds what the format
 * allows. */
#define WORK_LEN (16u * 1024u)

/* The context's size and alignment come from the header. */
typedef char fw_context_size_check[sizeof(modelseal_verifier) >= MODELSEAL_VERIFIER_SIZE ? 1 : -1];
static modelseal_verifier verifier __attribute__((aligned(MODELSEAL_VERIFIER_ALIGN)));
static uint8_t work[WORK_LEN];
static uint8_t new_root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN];

typedef struct {
    const char *step; /* the call that answered last */
    uint64_t counter_floor; /* the component floor to persist */
    uint64_t system_config_floor;
    size_t new_root_len;
    uint8_t digest[MODELSEAL_DIGEST_LEN];
} boot_result;

#ifdef FW_PER_CHUNK
static uint8_t chunk[4096];

/* The per-chunk path: the bundle as it would arrive in pieces (a download,
 * DMA), here read in order from the same partition. The head goes to the
 * work buffer, then every payload byte passes through `chunk`. */
static modelseal_status verify_chunks(const flash_partition *p) {
    size_t head_len = 0, count = 0, i, n;
    uint64_t pos, end, bundle_len = 0;
    modelseal_artifact_info a;
    modelseal_status s;

    if (flash_read((void *)p, 0, work, MODELSEAL_BUNDLE_HEADER_LEN) != 0) return MODELSEAL_STATUS_READ;
    s = modelseal_bundle_get_head_len(work, MODELSEAL_BUNDLE_HEADER_LEN, &head_len);
    if (s != MODELSEAL_STATUS_OK) return s;
    if (head_len > sizeof work) return MODELSEAL_STATUS_BUFFER_TOO_SMALL;
    if (flash_read((void *)p, MODELSEAL_BUNDLE_HEADER_LEN, work + MODELSEAL_BUNDLE_HEADER_LEN,
                   head_len - MODELSEAL_BUNDLE_HEADER_LEN) != 0)
        return MODELSEAL_STATUS_READ;
    s = modelseal_verifier_verify_head(&verifier, work, head_len);
    if (s != MODELSEAL_STATUS_OK) return s;
    s = modelseal_verifier_get_bundle_len(&verifier, &bundle_len);
    if (s != MODELSEAL_STATUS_OK) return s;
    if (p->len < bundle_len) return MODELSEAL_STATUS_TRUNCATED;
    if (p->len > bundle_len) return MODELSEAL_STATUS_TRAILING_BYTES;
    s = modelseal_verifier_get_artifact_count(&verifier, &count);
    if (s != MODELSEAL_STATUS_OK) return s;
    for (i = 0, pos = head_len; i < count; i++) {
        s = modelseal_verifier_get_artifact(&verifier, i, &a);
        if (s != MODELSEAL_STATUS_OK) return s;
        for (; pos < a.offset; pos += n) {
            n = a.offset - pos < sizeof chunk ? (size_t)(a.offset - pos) : sizeof chunk;
            if (flash_read((void *)p, pos, chunk, n) != 0) return MODELSEAL_STATUS_READ;
            s = modelseal_verifier_check_padding(&verifier, chunk, n);
            if (s != MODELSEAL_STATUS_OK) return s;
        }
        s = modelseal_verifier_begin_artifact(&verifier, i);
        if (s != MODELSEAL_STATUS_OK) return s;
        for (end = a.offset + a.size; pos < end; pos += n) {
            n = end - pos < sizeof chunk ? (size_t)(end - pos) : sizeof chunk;
            if (flash_read((void *)p, pos, chunk, n) != 0) return MODELSEAL_STATUS_READ;
            s = modelseal_verifier_update_artifact(&verifier, chunk, n);
            if (s != MODELSEAL_STATUS_OK) return s;
        }
        s = modelseal_verifier_finish_artifact(&verifier);
        if (s != MODELSEAL_STATUS_OK) return s;
    }
    return modelseal_verifier_finish(&verifier);
}
#endif

/* This device's policy. */
static void device_policy(modelseal_policy *policy) {
    static const char hardware_id[] = "HW-FC-0042", platform[] = "PLAT-A", market[] = "EU";
    memset(policy, 0, sizeof *policy);
    policy->kind = MODELSEAL_KIND_COMPONENT;
    policy->min_stage = MODELSEAL_STAGE_STAGING;
    policy->expiry = MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK;
    policy->hardware_id = hardware_id;
    policy->hardware_id_len = sizeof hardware_id - 1;
    policy->platform = platform;
    policy->platform_len = sizeof platform - 1;
    policy->market = market;
    policy->market_len = sizeof market - 1;
    policy->component_floor = COUNTER_FLOOR;
}

static modelseal_status boot_check(boot_result *r) {
    modelseal_policy policy;
    flash_partition partition;
    modelseal_status s;

    device_policy(&policy);
    r->step = "init";
    s = modelseal_verifier_init(&verifier, fw_root, (size_t)(fw_root_end - fw_root), &policy,
                                NULL);
#ifdef FW_ACCEPT_VERITY
    /* This ECU takes weights under fs-verity digests; without the call
     * (the default build) they are refused and the tree hasher is not
     * linked. */
    if (s == MODELSEAL_STATUS_OK) s = modelseal_verifier_accept_verity(&verifier);
#endif
    if (s != MODELSEAL_STATUS_OK) return s;

    partition.base = fw_bundle;
    partition.len = (size_t)(fw_bundle_end - fw_bundle);
#ifdef FW_PER_CHUNK
    r->step = "verify_chunks";
    s = verify_chunks(&partition);
#else
    r->step = "verify_bundle";
    s = modelseal_verifier_verify_bundle(&verifier, flash_read, &partition,
                                         (uint64_t)partition.len, work, sizeof work);
#endif
    if (s != MODELSEAL_STATUS_OK) return s;

    /* What the device must persist before running the new software. */
    r->step = "get_floors";
    s = modelseal_verifier_get_floors(&verifier, &r->counter_floor, &r->system_config_floor);
    if (s != MODELSEAL_STATUS_OK) return s;
    r->step = "get_new_root";
    s = modelseal_verifier_get_new_root(&verifier, new_root, sizeof new_root, &r->new_root_len);
    if (s != MODELSEAL_STATUS_OK) return s;
    r->step = "get_manifest_digest";
    return modelseal_verifier_get_manifest_digest(&verifier, r->digest, sizeof r->digest);
}

#endif /* !FW_BASELINE */

#ifdef FW_MEASURE

/* CMSDK APB timer 0 of the MPS2 boards: a 32-bit down-counter at the
 * 25 MHz system clock. */
#define TIMER0_CTRL (*(volatile uint32_t *)0x40000000u)
#define TIMER0_VALUE (*(volatile uint32_t *)0x40000004u)
#define TIMER0_RELOAD (*(volatile uint32_t *)0x40000008u)
#define TIMER_HZ 25000000u
#define STACK_PAINT 0x5A17C0DEu
#define SPIN_LOOPS 1000000u

extern uint32_t __stack_limit[];
void fw_spin(uint32_t loops); /* startup.S: 2 * loops + 1 instructions */

static uint32_t *current_sp(void) {
    uint32_t *sp;
    __asm__ volatile("mov %0, sp" : "=r"(sp));
    return sp;
}

/* Paints the unused stack below this function's frame. */
static void __attribute__((noinline)) paint_stack(void) {
    volatile uint32_t *p = __stack_limit;
    uint32_t *end = current_sp() - 64;
    while (p < end) *p++ = STACK_PAINT;
}

static modelseal_status measured_boot_check(boot_result *r) {
    uint32_t t0, t1, t2, t3, t4 = 0, t5 = 0, t6 = 0, t7 = 0, peak;
    uint64_t hashed = 0;
    const uint32_t *sp, *low;
    modelseal_status s, hs;

    TIMER0_CTRL = 0;
    TIMER0_RELOAD = 0xFFFFFFFFu;
    TIMER0_VALUE = 0xFFFFFFFFu;
    TIMER0_CTRL = 1;

    /* Calibration: a loop of a known instruction count. */
    t2 = TIMER0_VALUE;
    fw_spin(SPIN_LOOPS);
    t3 = TIMER0_VALUE;

    paint_stack();
    sp = current_sp();
    t0 = TIMER0_VALUE;
    s = boot_check(r);
    t1 = TIMER0_VALUE;

    low = __stack_limit;
    while (low < sp && *low == STACK_PAINT) low++;
    peak = (uint32_t)((const uint8_t *)sp - (const uint8_t *)low);

    /* The head alone, straight from the mapped partition: init and
     * verify_head (rotation chain, signatures, manifest, policy), no
     * artifact bytes. After the boot check, whose results are in *r. */
    hs = s;
    if (s == MODELSEAL_STATUS_OK) {
        modelseal_policy policy;
        size_t head_len = 0;
        device_policy(&policy);
        t4 = TIMER0_VALUE;
        hs = modelseal_bundle_get_head_len(fw_bundle, MODELSEAL_BUNDLE_HEADER_LEN, &head_len);
        if (hs == MODELSEAL_STATUS_OK)
            hs = modelseal_verifier_init(&verifier, fw_root, (size_t)(fw_root_end - fw_root),
                                         &policy, NULL);
#ifdef FW_ACCEPT_VERITY
        if (hs == MODELSEAL_STATUS_OK) hs = modelseal_verifier_accept_verity(&verifier);
#endif
        if (hs == MODELSEAL_STATUS_OK)
            hs = modelseal_verifier_verify_head(&verifier, fw_bundle, head_len);
        t5 = TIMER0_VALUE;
    }

    /* Hashing per byte: the largest artifact's bytes through one
     * update_artifact call on the verified head (the per-chunk path's cost
     * per byte, without the read callback). */
    if (hs == MODELSEAL_STATUS_OK) {
        modelseal_artifact_info a, big;
        size_t count = 0, i, which = 0;
        big.size = 0;
        big.offset = 0;
        hs = modelseal_verifier_get_artifact_count(&verifier, &count);
        for (i = 0; hs == MODELSEAL_STATUS_OK && i < count; i++) {
            hs = modelseal_verifier_get_artifact(&verifier, i, &a);
            if (hs == MODELSEAL_STATUS_OK && a.size > big.size) {
                big = a;
                which = i;
            }
        }
        if (hs == MODELSEAL_STATUS_OK) hs = modelseal_verifier_begin_artifact(&verifier, which);
        t6 = TIMER0_VALUE;
        if (hs == MODELSEAL_STATUS_OK)
            hs = modelseal_verifier_update_artifact(&verifier, fw_bundle + (size_t)big.offset,
                                                    (size_t)big.size);
        t7 = TIMER0_VALUE;
        if (hs == MODELSEAL_STATUS_OK) hs = modelseal_verifier_finish_artifact(&verifier);
        hashed = big.size;
    }

    out_str("measure: stack_peak_bytes=");
    out_u64(peak);
    out_str(low == __stack_limit ? " (stack exhausted)" : "");
    out_str(" boot_ticks=");
    out_u64(t0 - t1);
    if (s == MODELSEAL_STATUS_OK) {
        out_str(" head_ticks=");
        out_u64(t4 - t5);
        out_str(" head_status=");
        out_u64(hs);
        out_str(" hash_ticks=");
        out_u64(t6 - t7);
        out_str(" hash_bytes=");
        out_u64(hashed);
    }
    out_str(" spin_ticks=");
    out_u64(t2 - t3);
    out_str(" spin_instructions=");
    out_u64(2u * (uint64_t)SPIN_LOOPS + 1u);
    out_str(" timer_hz=");
    out_u64(TIMER_HZ);
    out_char('\n');
    return s;
}

#endif /* FW_MEASURE */

#ifdef FW_EVERY_FUNCTION
/* Every function the library exports, linked. */
typedef void (*any_fn)(void);
#define KEEP(f) (any_fn)f,
static any_fn const volatile every_function[] = {
#include KEEP_FILE
};
#endif

int main(void) {
#ifdef FW_BASELINE
    /* The same firmware without the boot check. */
    const volatile uint8_t *partition = fw_bundle;
    out_str("firmware-m: baseline, no verifier; bundle partition of ");
    out_u64((uint64_t)(fw_bundle_end - fw_bundle));
    out_str(" bytes\n");
    return partition[0] == 'M' ? 0 : 1;
#else
    boot_result r;
    modelseal_status s;

#ifdef FW_EVERY_FUNCTION
    size_t i;
    for (i = 0; i < sizeof every_function / sizeof every_function[0]; i++)
        if (!every_function[i]) return 126;
#endif

#ifdef FW_STATUS_NUMBERS
    out_str("firmware-m: modelseal, bundle partition of ");
#else
    out_str("firmware-m: modelseal ");
    out_str(modelseal_version());
    out_str(", bundle partition of ");
#endif
    out_u64((uint64_t)(fw_bundle_end - fw_bundle));
    out_str(" bytes, stored counter floor ");
    out_u64(COUNTER_FLOOR);
    out_char('\n');

#ifdef FW_MEASURE
    s = measured_boot_check(&r);
#else
    s = boot_check(&r);
#endif
    if (s != MODELSEAL_STATUS_OK) {
#ifdef FW_STATUS_NUMBERS
        out_str("boot refused: (status ");
#else
        out_str("boot refused: ");
        out_str(modelseal_status_str(s));
        out_str(" (status ");
#endif
        out_u64(s);
        out_str(", at ");
        out_str(r.step);
        out_str(")\n");
        return (int)s;
    }
    out_str("boot ok: bundle verified\n  manifest digest  ");
    out_hex(r.digest, sizeof r.digest);
    out_str("\n  persist          counter floor ");
    out_u64(r.counter_floor);
    if (r.new_root_len) {
        out_str(", new trust root (");
        out_u64(r.new_root_len);
        out_str(" bytes)\n");
    } else {
        out_str(", no new trust root\n");
    }
    return 0;
#endif
}
