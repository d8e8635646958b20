#include "model/layers/linear.h"

#include "model/weights.h"
#include "runtime/ops/linear.h"

namespace chunkwise::model {

Linear Linear::bind(const Checkpoint& checkpoint, const LinearSpec& spec) {
  return {bind_weight(checkpoint, spec.weight), bind_weight(checkpoint, spec.bias)};
}

runtime::Tensor Linear::operator()(const runtime::Tensor& x, std::string_view name) const {
  return runtime::linear(x, weight, bias.defined() ? &bias : nullptr, name);
}

runtime::LinearProduct Linear::product(const runtime::Tensor& x, std::string_view name) const {
  return {&x, &weight, bias.defined() ? &bias : nullptr, name};
}

}  // namespace chunkwise::model
