#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void softmax(const Tensor& x, Tensor& out) {
  int64_t width = x.dim(-1);
  int64_t rows = x.numel() / width;
  const float* input = x.data<float>();
  float* output = out.data<float>();
  cpu_thread_pool().parallel_for(rows, std::max<int64_t>(1, 16384 / width), [&](int64_t begin, int64_t end) {
    for (int64_t r = begin; r < end; ++r) {
      const float* row = input + r * width;
      float* result = output + r * width;
      float max = row[0];
      for (int64_t i = 1; i < width; ++i) max = std::max(max, row[i]);
      double sum = 0;
      for (int64_t i = 0; i < width; ++i) {
        result[i] = std::exp(row[i] - max);
        sum += result[i];
      }
      float inverse = float(1.0 / sum);
      for (int64_t i = 0; i < width; ++i) result[i] *= inverse;
    }
  });
}

}  // namespace chunkwise::runtime::cpu
