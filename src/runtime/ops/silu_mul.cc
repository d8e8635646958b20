#include "runtime/ops/silu_mul.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor silu_mul(const Tensor& gate, const Tensor& up, std::string_view name) {
  check_dtype("silu_mul", "gate", gate, DType::f32);
  check_dtype("silu_mul", "up", up, DType::f32);
  check_same_shape("silu_mul", "gate", gate, "up", up);
  check_same_device("silu_mul", "up", up, gate.device());
  Tensor out = Tensor::empty(gate.shape(), DType::f32, gate.device());
  ScopedOpTimer op_timer("silu_mul");
  switch (gate.device()) {
    case Device::cpu:
      cpu::silu_mul(gate, up, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "silu_mul: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
