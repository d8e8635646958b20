#include "runtime/cpu/cpu_ops.h"

namespace chunkwise::runtime::cpu {

void embedding(const Tensor& ids, const Tensor& weight, Tensor& out) {
  int64_t vocab = weight.dim(0);
  int64_t width = weight.dim(1);
  const int32_t* id = ids.data<int32_t>();
  float* output = out.data<float>();
  for (int64_t t = 0; t < ids.dim(0); ++t)
    if (id[t] < 0 || id[t] >= vocab)
      fail(ErrorKind::invalid_input, "embedding: token id {} (at {}) out of range [0, {})", id[t], t, vocab);
  visit_float_dtype(weight.dtype(), [&]<typename W>(W) {
    const W* w = weight.data<W>();
    for (int64_t t = 0; t < ids.dim(0); ++t) {
      const W* row = w + int64_t(id[t]) * width;
      for (int64_t i = 0; i < width; ++i) output[t * width + i] = to_float(row[i]);
    }
  });
}

}  // namespace chunkwise::runtime::cpu
