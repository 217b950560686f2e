// Hardware fast paths for the two hot loops of dataset validation, each chosen at run time from
// what the CPU says it has, with the portable Swift code as the fallback (and the oracle in tests).
#ifndef CIPORT_SIMD_H
#define CIPORT_SIMD_H

#include <stddef.h>
#include <stdint.h>

/// 1 when this CPU has the SHA extensions (SHA-NI) with SSSE3 and SSE4.1, else 0.
int ciport_sha256_hw_available(void);

/// SHA-256 compression of `blocks` whole 64-byte blocks into `state` (a, b, …, h). Call only
/// when ciport_sha256_hw_available() is 1.
void ciport_sha256_hw_blocks(uint32_t state[8], const uint8_t *data, size_t blocks);

/// 1 when this CPU and OS run AVX2 code, else 0.
int ciport_minhash_avx2_available(void);

/// mins[i] = min(mins[i], min over the shingles s of (uint32_t)((s * a[i] + b[i]) >> 32)), for
/// i < 64, arithmetic modulo 2^64. Call only when ciport_minhash_avx2_available() is 1.
void ciport_minhash_avx2(const uint64_t *shingles, size_t count, const uint64_t *a, const uint64_t *b, uint32_t *mins);

#endif
