#include "model/layers/layer_norm.h"

#include "common/error.h"
#include "model/weights.h"
#include "runtime/ops/layer_norm.h"

namespace chunkwise::model {

LayerNorm LayerNorm::bind(const Checkpoint& checkpoint, const NormSpec& spec, double eps) {
  if (!spec.bias) fail(ErrorKind::invalid_input, "LayerNorm {} has no bias", spec.weight.name);
  return {bind_weight(checkpoint, spec.weight), bind_weight(checkpoint, *spec.bias), float(eps)};
}

runtime::Tensor LayerNorm::operator()(const runtime::Tensor& x, std::string_view name) const {
  return runtime::layer_norm(x, weight, bias, eps, name);
}

}  // namespace chunkwise::model
