#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void add(const Tensor& a, const Tensor& b, Tensor& out) {
  const float* x = a.data<float>();
  const float* y = b.data<float>();
  float* o = out.data<float>();
  cpu_thread_pool().parallel_for(a.numel(), 1 << 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) o[i] = x[i] + y[i];
  });
}

}  // namespace chunkwise::runtime::cpu
