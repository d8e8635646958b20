#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void rms_norm(const Tensor& x, const Tensor& weight, float eps, Tensor& out) {
  int64_t group = weight.dim(0);
  int64_t groups = x.numel() / group;
  const float* input = x.data<float>();
  float* output = out.data<float>();
  visit_float_dtype(weight.dtype(), [&]<typename W>(W) {
    const W* w = weight.data<W>();
    cpu_thread_pool().parallel_for(
        groups, std::max<int64_t>(1, 16384 / group), [&](int64_t begin, int64_t end) {
          for (int64_t g = begin; g < end; ++g) {
            const float* row = input + g * group;
            float* result = output + g * group;
            double sum = 0;
            for (int64_t i = 0; i < group; ++i) sum += double(row[i]) * row[i];
            float inverse = float(1.0 / std::sqrt(sum / double(group) + double(eps)));
            for (int64_t i = 0; i < group; ++i) result[i] = to_float(w[i]) * (row[i] * inverse);
          }
        });
  });
}

}  // namespace chunkwise::runtime::cpu
