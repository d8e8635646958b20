#include "model/layers/gated_mlp.h"

#include "runtime/ops/silu_mul.h"

namespace chunkwise::model {

GatedMlp GatedMlp::bind(const Checkpoint& checkpoint, const GatedMlpSpec& spec) {
  return {Linear::bind(checkpoint, spec.gate), Linear::bind(checkpoint, spec.up),
          Linear::bind(checkpoint, spec.down)};
}

runtime::Tensor GatedMlp::operator()(const runtime::Tensor& x, const std::string& prefix) const {
  const runtime::Tensor g = gate(x, prefix + "ffn_gate");
  const runtime::Tensor u = up(x, prefix + "ffn_up");
  return down(runtime::silu_mul(g, u, prefix + "ffn_act"), prefix + "ffn_out");
}

}  // namespace chunkwise::model
