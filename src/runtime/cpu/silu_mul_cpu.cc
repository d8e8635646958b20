#include "runtime/cpu/cpu_ops.h"
#include "runtime/cpu/fast_exp.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

namespace {

[[gnu::always_inline]] inline void silu_mul_range(const float* __restrict g, const float* __restrict u,
                                                  float* __restrict o, int64_t begin, int64_t end) {
  for (int64_t i = begin; i < end; ++i) o[i] = g[i] / (1.0f + fast_exp(-g[i])) * u[i];
}

__attribute__((target("avx512f,avx2,fma"))) void silu_mul_avx512(const float* g, const float* u, float* o,
                                                                 int64_t begin, int64_t end) {
  silu_mul_range(g, u, o, begin, end);
}

void silu_mul_baseline(const float* g, const float* u, float* o, int64_t begin, int64_t end) {
  silu_mul_range(g, u, o, begin, end);
}

}  // namespace

void silu_mul(const Tensor& gate, const Tensor& up, Tensor& out) {
  static const auto kernel =
      __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")
          ? silu_mul_avx512
          : silu_mul_baseline;
  const float* g = gate.data<float>();
  const float* u = up.data<float>();
  float* o = out.data<float>();
  cpu_thread_pool().parallel_for(gate.numel(), 1 << 15,
                                 [&](int64_t begin, int64_t end) { kernel(g, u, o, begin, end); });
}

}  // namespace chunkwise::runtime::cpu
