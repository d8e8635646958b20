#include "runtime/cpu/cpu_ops.h"

namespace chunkwise::runtime::cpu {

void argmax(const Tensor& x, Tensor& out) {
  int64_t width = x.dim(-1);
  int64_t rows = x.numel() / width;
  const float* input = x.data<float>();
  int32_t* output = out.data<int32_t>();
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = input + r * width;
    int64_t best = 0;
    for (int64_t i = 1; i < width; ++i)
      if (row[i] > row[best]) best = i;
    output[r] = int32_t(best);
  }
}

}  // namespace chunkwise::runtime::cpu
