#include "runtime/ops/rms_norm.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps, std::string_view name) {
  check_dtype("rms_norm", "input", x, DType::f32);
  check_rank("rms_norm", "input", x, 1, 8);
  check_float_dtype("rms_norm", "weight", weight);
  check_rank("rms_norm", "weight", weight, 1, 1);
  check_same_device("rms_norm", "weight", weight, x.device());
  if (weight.dim(0) == 0 || x.dim(-1) % weight.dim(0) != 0)
    fail(ErrorKind::invalid_input,
         "rms_norm: input {} last dimension must be a multiple of the weight size {} (one norm per group)",
         to_string(x.shape()), weight.dim(0));
  if (!(eps >= 0)) fail(ErrorKind::invalid_input, "rms_norm: eps must be >= 0, got {}", eps);
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  ScopedOpTimer op_timer("rms_norm");
  switch (x.device()) {
    case Device::cpu:
      cpu::rms_norm(x, weight, eps, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "rms_norm: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
