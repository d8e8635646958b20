#include "runtime/ops/argmax.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor argmax(const Tensor& x, std::string_view name) {
  check_dtype("argmax", "input", x, DType::f32);
  check_rank("argmax", "input", x, 1, 8);
  if (x.dim(-1) == 0)
    fail(ErrorKind::invalid_input, "argmax: input {} has an empty last axis", to_string(x.shape()));
  Shape shape(x.shape().begin(), x.shape().end() - 1);
  Tensor out = Tensor::empty(shape, DType::i32, x.device());
  ScopedOpTimer op_timer("argmax");
  switch (x.device()) {
    case Device::cpu:
      cpu::argmax(x, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "argmax: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
