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
#include <string>
#include <string_view>

#include "runtime/dtype.h"

namespace chunkwise::runtime::cpu {

// How the product walks its operands (see linear_amx_cpu.cc). Every plan adds the same products in the same
// order, so all plans give bit-identical results; they differ only in speed. The defaults are the best
// measured on the GPU machine's host CPU; bench/runtime/amx_linear_probe.cc times others.
struct AmxLinearPlan {
  // How a task copies its columns' weights into the tiles' pair-interleaved layout: one 32-bit gather per
  // tile row, or 16 rows loaded whole and transposed in registers.
  enum class Pack { gather, transpose };

  int64_t task_rows = 128;     // rows of one task, at most (a multiple of 32)
  int64_t task_columns = 256;  // columns of one task, at most (a multiple of 32)
  int64_t k_block_steps = 0;   // 32-input steps split and packed at a time; 0: 32 with 1 term, else 16
  int64_t l1_steps = 0;        // steps multiplied per sweep over the task's 32 x 32 blocks; 0: a K block
  Pack pack = Pack::gather;
  // Each 32 x 32 block's product prefetches into L1 the next block's weight tiles and accumulators (useful
  // with L1 passes, where the inputs stay in L1 and the weights come from L2).
  bool prefetch = false;
};

// Throws std::invalid_argument for sizes that are not positive multiples of 32 (rows, columns) or negative
// steps.
void check_amx_linear_plan(const AmxLinearPlan& plan);
// "l1_steps=4,pack=transpose,prefetch=1": any of the fields by name (pack: gather or transpose; prefetch: 0
// or 1), the rest left at their defaults. Throws std::invalid_argument naming the spec and what is wrong.
AmxLinearPlan parse_amx_linear_plan(std::string_view spec);
// Every field as parse_amx_linear_plan reads it.
std::string describe(const AmxLinearPlan& plan);
// The plan linear() uses: the defaults, or CHUNKWISE_AMX_PLAN (read once; for timing plans end to end without
// a rebuild). An unreadable CHUNKWISE_AMX_PLAN throws Error (invalid_input) on every call.
const AmxLinearPlan& amx_linear_plan_in_use();

// True once the CPU reports AMX-TILE and AMX-BF16 and Linux granted this process the tile state.
bool amx_available();

// terms: 1, 2 or 3. Requires amx_available(). Throws std::invalid_argument for a plan that
// check_amx_linear_plan refuses.
void linear_bf16_amx(const float* x, const BFloat16* w, const float* bias, float* y, int64_t rows, int64_t n,
                     int64_t k, int terms, const AmxLinearPlan& plan = {});

// The weight packing alone (AVX-512, no AMX needed; exposed for tests and the probe): W rows [n0, n0 + 32),
// inputs [32 s0, 32 s1), as tiles of 16 rows x 32 bf16 at out + (2 (s - s0) + h) * 512 for step s and half
// h (columns n0 + 16 h ...); tile row p holds, for columns c = 0..15, the inputs (32 s + 2 p, 32 s + 2 p + 1)
// of W row n0 + 16 h + c. Missing rows and inputs are zero. Requires AVX-512 F and BW.
void pack_weight_tiles(const BFloat16* w, int64_t n, int64_t k, int64_t n0, int64_t s0, int64_t s1,
                       uint16_t* out, AmxLinearPlan::Pack pack);

}  // namespace chunkwise::runtime::cpu
