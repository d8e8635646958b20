// RMSNorm with a learned scale: over the whole hidden vector, or per head when the weight is [head_dim]
// (Qwen3's q/k norm).
#pragma once

#include <string_view>

#include "model/checkpoint.h"
#include "model/weight_layout.h"
#include "runtime/tensor.h"

namespace chunkwise::model {

struct RmsNorm {
  runtime::Tensor weight;
  float eps = 1e-6f;

  static RmsNorm bind(const Checkpoint& checkpoint, const NormSpec& spec, double eps);
  runtime::Tensor operator()(const runtime::Tensor& x, std::string_view name = {}) const;
};

}  // namespace chunkwise::model
