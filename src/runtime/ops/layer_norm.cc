#include "runtime/ops/layer_norm.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps,
                  std::string_view name) {
  check_dtype("layer_norm", "input", x, DType::f32);
  check_rank("layer_norm", "input", x, 1, 8);
  check_float_dtype("layer_norm", "weight", weight);
  check_float_dtype("layer_norm", "bias", bias);
  check_rank("layer_norm", "weight", weight, 1, 1);
  check_rank("layer_norm", "bias", bias, 1, 1);
  check_same_device("layer_norm", "weight", weight, x.device());
  check_same_device("layer_norm", "bias", bias, x.device());
  if (weight.dim(0) != x.dim(-1) || bias.dim(0) != x.dim(-1))
    fail(ErrorKind::invalid_input, "layer_norm: input {} needs weight and bias [{}], got {} and {}",
         to_string(x.shape()), x.dim(-1), to_string(weight.shape()), to_string(bias.shape()));
  if (!(eps >= 0)) fail(ErrorKind::invalid_input, "layer_norm: eps must be >= 0, got {}", eps);
  Tensor out = Tensor::empty(x.shape(), DType::f32, x.device());
  ScopedOpTimer op_timer("layer_norm");
  switch (x.device()) {
    case Device::cpu:
      if (x.numel() > 0) cpu::layer_norm(x, weight, bias, eps, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "layer_norm: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
