// LayerNorm over the last axis: x f32 [..., D], weight and bias [D] in any float dtype.
// y = (x - mean(x)) / sqrt(var(x) + eps) * weight + bias with the biased variance, as torch.nn.LayerNorm
// computes it; sums in double.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor layer_norm(const Tensor& x, const Tensor& weight, const Tensor& bias, float eps,
                  std::string_view name = {});

}  // namespace chunkwise::runtime
