// y[rows, n] = x[rows, k] · W[n, k]ᵀ (+ bias) on Intel AMX tile units, for bf16 weights (prefill-sized
// products; linear_cpu.cc decides when to use it).
//
// The tiles multiply bf16 by bf16 and accumulate in f32. The weights are bf16 already; each f32 input is
// split into `terms` bf16 numbers whose sum is the input (hi = bf16(x), mid = bf16(x - hi), lo = ...), and
// every term is multiplied with the same weight tile. Every product of a term and a weight is exact in f32,
// so with 3 terms (24 mantissa bits) the result equals an f32 product up to the order of the additions; with
// 1 term it is what bf16 frameworks compute (inputs rounded to 8 mantissa bits).
#pragma once

#include <cstdint>

#include "runtime/dtype.h"

namespace chunkwise::runtime::cpu {

// True once the CPU reports AMX-TILE and AMX-BF16 and Linux granted this process the tile state.
bool amx_available();

// terms: 1, 2 or 3. Requires amx_available().
void linear_bf16_amx(const float* x, const BFloat16* w, const float* bias, float* y, int64_t rows, int64_t n,
                     int64_t k, int terms);

}  // namespace chunkwise::runtime::cpu
