/* A small, portable SHA-256 (FIPS 180-4) for the C tests: it stands in for
 * a hardware hash accelerator behind modelseal_sha256_engine, and rebuilds
 * the fixtures' deterministic plaintext. Not for production use. */
#ifndef MODELSEAL_TEST_SHA256_H
#define MODELSEAL_TEST_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    uint32_t h[8];
    uint64_t total;
    uint8_t block[64];
    size_t used;
} sha256_ctx;

void sha256_init(sha256_ctx *c);
void sha256_update(sha256_ctx *c, const uint8_t *data, size_t len);
void sha256_final(sha256_ctx *c, uint8_t out[32]);
void sha256(const uint8_t *data, size_t len, uint8_t out[32]);

#endif
