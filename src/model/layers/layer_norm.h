// LayerNorm with a learned scale and shift over the hidden vector (BERT-style encoders).
#pragma once

#include <string_view>

#include "model/checkpoint.h"
#include "model/weight_layout.h"
#include "runtime/tensor.h"

namespace chunkwise::model {

struct LayerNorm {
  runtime::Tensor weight;
  runtime::Tensor bias;
  float eps = 1e-12f;

  // Error(invalid_input) if the spec has no bias.
  static LayerNorm bind(const Checkpoint& checkpoint, const NormSpec& spec, double eps);
  runtime::Tensor operator()(const runtime::Tensor& x, std::string_view name = {}) const;
};

}  // namespace chunkwise::model
