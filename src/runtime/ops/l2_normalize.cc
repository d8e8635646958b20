#include "runtime/ops/l2_normalize.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor l2_normalize(const Tensor& x, std::string_view name) {
  check_dtype("l2_normalize", "input", x, DType::f32);
  check_rank("l2_normalize", "input", x, 2, 2);
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  ScopedOpTimer op_timer("l2_normalize");
  switch (x.device()) {
    case Device::cpu:
      if (x.numel() > 0) cpu::l2_normalize(x, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "l2_normalize: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
