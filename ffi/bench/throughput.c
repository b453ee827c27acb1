/* Verifies one bundle file through the C API's read callback, as firmware
 * reading a flash partition would (pread standing in for the flash
 * driver), with a work buffer of the head plus 1 MiB. Used by the
 * benchmark command (benches/run.sh), which times it against
 * `openssl dgst -sha256` on the same artifact bytes. Exit 0 when the
 * bundle verifies.
 *
 *   throughput <root.msr> <bundle.msb>
 */
#define _XOPEN_SOURCE 700
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "modelseal.h"

static int flash_read(void *user, uint64_t offset, uint8_t *buf, size_t len) {
    int fd = *(const int *)user;
    size_t done = 0;
    while (done < len) {
        ssize_t n = pread(fd, buf + done, len - done, (off_t)(offset + done));
        if (n <= 0) return -1;
        done += (size_t)n;
    }
    return 0;
}

int main(int argc, char **argv) {
    static modelseal_verifier ctx;
    static const char hw[] = "HW-BENCH";
    modelseal_policy p = {0};
    uint8_t root[MODELSEAL_MAX_ROOT_ENVELOPE_LEN], header[16];
    size_t root_len, head_len;
    struct stat st;
    uint8_t *work;
    int fd, rfd;
    modelseal_status s;
    if (argc != 3) return 64;
    rfd = open(argv[1], O_RDONLY);
    fd = open(argv[2], O_RDONLY);
    if (rfd < 0 || fd < 0 || fstat(fd, &st) != 0) return 66;
    root_len = (size_t)read(rfd, root, sizeof root);
    p.kind = MODELSEAL_KIND_COMPONENT;
    p.min_stage = MODELSEAL_STAGE_DEVELOPMENT;
    p.expiry = MODELSEAL_EXPIRY_NOT_CHECKED_NO_TRUSTED_CLOCK;
    p.hardware_id = hw;
    p.hardware_id_len = sizeof hw - 1;
    s = modelseal_verifier_init(&ctx, root, root_len, &p, NULL);
    if (s == MODELSEAL_STATUS_OK) s = modelseal_verifier_accept_verity(&ctx);
    if (s != MODELSEAL_STATUS_OK || flash_read(&fd, 0, header, sizeof header) != 0) return 1;
    if (modelseal_bundle_get_head_len(header, sizeof header, &head_len) != MODELSEAL_STATUS_OK) return 1;
    work = malloc(head_len + (1u << 20));
    if (!work) return 70;
    s = modelseal_verifier_verify_bundle(&ctx, flash_read, &fd, (uint64_t)st.st_size, work,
                                         head_len + (1u << 20));
    if (s != MODELSEAL_STATUS_OK) {
        fprintf(stderr, "throughput: %s\n", modelseal_status_str(s));
        return 1;
    }
    free(work);
    return 0;
}
