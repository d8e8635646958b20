#include "runtime/ops/gelu.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor gelu(const Tensor& x, GeluApproximation approximation, std::string_view name) {
  check_dtype("gelu", "input", x, DType::f32);
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  ScopedOpTimer op_timer("gelu");
  switch (x.device()) {
    case Device::cpu:
      cpu::gelu(x, approximation, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "gelu: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
