// CPU kernels behind the op front ends in runtime/ops/. Arguments are already checked there.
#pragma once

#include <cstdint>
#include <span>

#include "runtime/ops/gelu.h"
#include "runtime/ops/linear.h"
#include "runtime/ops/paged_attention.h"
#include "runtime/ops/rope.h"
#include "runtime/tensor.h"

namespace chunkwise::runtime::cpu {

// x [T, K] f32, weight [N, K], bias [N] f32 or null, out [T, N] f32. Uses the widest SIMD the CPU has,
// up to the limit set by limit_linear_isa (for tests and benchmarks of each kernel; returns the ISA now
// used). `amx`: bf16 weights times 32 or more rows go to the AMX tiles, with the inputs split into bf16 terms
// as `precision` says (linear_amx.h).
enum class CpuIsa { scalar, avx2, avx512, amx };
CpuIsa limit_linear_isa(CpuIsa limit);
void linear(const Tensor& x, const Tensor& weight, const float* bias, MatmulPrecision precision, Tensor& out);
// Several products at once: decode-sized ones (GEMV) share one parallel region; others run one by one.
struct LinearProblem {
  const Tensor* x;  // [T, K]
  const Tensor* weight;
  const float* bias;  // or null
  Tensor* out;        // [T, N]
};
void linear_group(std::span<const LinearProblem> problems, MatmulPrecision precision);
void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& out);
void silu_mul(const Tensor& gate, const Tensor& up, Tensor& out);
void add(const Tensor& a, const Tensor& b, Tensor& out);
void embedding(const Tensor& ids, const Tensor& weight, Tensor& out);
void softmax(const Tensor& x, Tensor& out);
void argmax(const Tensor& x, Tensor& out);
void gather_rows(const Tensor& x, std::span<const int32_t> rows, Tensor& out);
// x [T, heads, head_dim] viewed flat.
void rope(Tensor& x, int64_t heads, int64_t head_dim, std::span<const int32_t> positions,
          const RopeTable& table);
// q [T, heads, head_dim], k/v [T, kv_heads, head_dim], out [T, heads, head_dim].
void paged_attention(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& key_pool, Tensor& value_pool,
                     int block_size, const AttentionBatch& batch, float scale, int sliding_window,
                     Tensor& out);
// x [..., D], weight and bias [D].
void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps, Tensor& out);
void gelu(const Tensor& x, GeluApproximation approximation, Tensor& out);
// q [T, heads, head_dim], k/v [T, kv_heads, head_dim], out [T, heads, head_dim]; offsets checked.
void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::span<const int32_t> sequence_offsets,
               float scale, Tensor& out);
void l2_normalize(const Tensor& x, Tensor& out);  // x [N, D]

}  // namespace chunkwise::runtime::cpu
