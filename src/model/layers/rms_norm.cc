#include "model/layers/rms_norm.h"

#include "model/weights.h"
#include "runtime/ops/rms_norm.h"

namespace chunkwise::model {

RmsNorm RmsNorm::bind(const Checkpoint& checkpoint, const NormSpec& spec, double eps) {
  return {bind_weight(checkpoint, spec.weight), float(eps)};
}

runtime::Tensor RmsNorm::operator()(const runtime::Tensor& x, std::string_view name) const {
  return runtime::rms_norm(x, weight, eps, name);
}

}  // namespace chunkwise::model
