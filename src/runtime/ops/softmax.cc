#include "runtime/ops/softmax.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor softmax(const Tensor& x, std::string_view name) {
  check_dtype("softmax", "input", x, DType::f32);
  check_rank("softmax", "input", x, 1, 8);
  if (x.dim(-1) == 0)
    fail(ErrorKind::invalid_input, "softmax: input {} has an empty last axis", to_string(x.shape()));
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  ScopedOpTimer op_timer("softmax");
  switch (x.device()) {
    case Device::cpu:
      cpu::softmax(x, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "softmax: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
