#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void gelu(const Tensor& x, GeluApproximation approximation, Tensor& out) {
  const float* in = x.data<float>();
  float* o = out.data<float>();
  cpu_thread_pool().parallel_for(x.numel(), 1 << 14, [&](int64_t begin, int64_t end) {
    if (approximation == GeluApproximation::exact) {
      constexpr float kInverseSqrt2 = 0.70710678118654752440f;
      for (int64_t i = begin; i < end; ++i) o[i] = 0.5f * in[i] * (1.0f + std::erf(in[i] * kInverseSqrt2));
    } else {
      constexpr float kSqrt2OverPi = 0.79788456080286535588f;
      for (int64_t i = begin; i < end; ++i) {
        const float v = in[i];
        o[i] = 0.5f * v * (1.0f + std::tanh(kSqrt2OverPi * (v + 0.044715f * v * v * v)));
      }
    }
  });
}

}  // namespace chunkwise::runtime::cpu
