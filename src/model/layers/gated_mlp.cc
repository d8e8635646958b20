#include "model/layers/gated_mlp.h"

#include <array>

#include "runtime/ops/silu_mul.h"

namespace chunkwise::model {

GatedMlp GatedMlp::bind(const Checkpoint& checkpoint, const GatedMlpSpec& spec) {
  return {Linear::bind(checkpoint, spec.gate), Linear::bind(checkpoint, spec.up),
          Linear::bind(checkpoint, spec.down)};
}

runtime::Tensor GatedMlp::operator()(const runtime::Tensor& x, const std::string& prefix) const {
  const std::string gate_name = prefix + "ffn_gate", up_name = prefix + "ffn_up";
  const std::vector<runtime::Tensor> gate_up =
      runtime::linear_group(std::array{gate.product(x, gate_name), up.product(x, up_name)});
  return down(runtime::silu_mul(gate_up[0], gate_up[1], prefix + "ffn_act"), prefix + "ffn_out");
}

}  // namespace chunkwise::model
