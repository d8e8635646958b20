#include <algorithm>
#include <cmath>

#include "runtime/cpu/cpu_ops.h"

namespace chunkwise::runtime::cpu {

void l2_normalize(const Tensor& x, Tensor& out) {
  const int64_t width = x.dim(1);
  const float* input = x.data<float>();
  float* output = out.data<float>();
  for (int64_t r = 0; r < x.dim(0); ++r) {
    const float* row = input + r * width;
    double squares = 0;
    for (int64_t i = 0; i < width; ++i) squares += double(row[i]) * row[i];
    const double inverse = 1.0 / std::max(std::sqrt(squares), 1e-12);
    for (int64_t i = 0; i < width; ++i) output[r * width + i] = float(row[i] * inverse);
  }
}

}  // namespace chunkwise::runtime::cpu
