// A hardware fast path for a hot loop of dataset validation (SHA-256), chosen at run time from
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

#endif
