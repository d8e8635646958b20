// A linear layer as transformers stores it: weight [out, in] (f32/f16/bf16), optional bias [out].
#pragma once

#include <string_view>

#include "model/checkpoint.h"
#include "model/weight_layout.h"
#include "runtime/ops/linear.h"
#include "runtime/tensor.h"

namespace chunkwise::model {

struct Linear {
  runtime::Tensor weight;
  runtime::Tensor bias;  // undefined when the layer has none

  static Linear bind(const Checkpoint& checkpoint, const LinearSpec& spec);
  runtime::Tensor operator()(const runtime::Tensor& x, std::string_view name = {}) const;
  // This layer applied to `x`, for runtime::linear_group (`name` must outlive the call).
  runtime::LinearProduct product(const runtime::Tensor& x, std::string_view name = {}) const;
};

}  // namespace chunkwise::model
