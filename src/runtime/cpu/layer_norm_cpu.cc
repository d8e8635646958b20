#include <algorithm>
#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps, Tensor& out) {
  const int64_t width = x.dim(-1);
  const int64_t rows = x.numel() / width;
  const float* input = x.data<float>();
  float* output = out.data<float>();
  visit_float_dtype(weight.dtype(), [&]<typename W>(W) {
    visit_float_dtype(bias.dtype(), [&]<typename B>(B) {
      const W* w = weight.data<W>();
      const B* b = bias.data<B>();
      cpu_thread_pool().parallel_for(
          rows, std::max<int64_t>(1, 16384 / width), [&](int64_t begin, int64_t end) {
            for (int64_t r = begin; r < end; ++r) {
              const float* row = input + r * width;
              float* result = output + r * width;
              double sum = 0;
              for (int64_t i = 0; i < width; ++i) sum += row[i];
              const double mean = sum / double(width);
              double squares = 0;
              for (int64_t i = 0; i < width; ++i) squares += (row[i] - mean) * (row[i] - mean);
              const double inverse = 1.0 / std::sqrt(squares / double(width) + double(eps));
              for (int64_t i = 0; i < width; ++i)
                result[i] = float((row[i] - mean) * inverse) * to_float(w[i]) + to_float(b[i]);
            }
          });
    });
  });
}

}  // namespace chunkwise::runtime::cpu
