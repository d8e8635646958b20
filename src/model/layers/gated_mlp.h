// The gated MLP of Llama-family decoders: down(silu(gate(x)) * up(x)).
#pragma once

#include <string>

#include "model/layers/linear.h"

namespace chunkwise::model {

struct GatedMlp {
  Linear gate, up, down;

  static GatedMlp bind(const Checkpoint& checkpoint, const GatedMlpSpec& spec);
  // `prefix` names the intermediate tensors for debug dumps, e.g. "layer3." → "layer3.ffn_gate".
  runtime::Tensor operator()(const runtime::Tensor& x, const std::string& prefix) const;
};

}  // namespace chunkwise::model
