#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void silu_mul(const Tensor& gate, const Tensor& up, Tensor& out) {
  const float* g = gate.data<float>();
  const float* u = up.data<float>();
  float* o = out.data<float>();
  cpu_thread_pool().parallel_for(gate.numel(), 1 << 15, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) o[i] = g[i] / (1.0f + std::exp(-g[i])) * u[i];
  });
}

}  // namespace chunkwise::runtime::cpu
