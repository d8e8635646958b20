// RMSNorm over groups of weight.numel() contiguous elements: x f32 [..., D] with D a multiple of the weight
// size (Qwen3 q/k norm: x [T, heads * head_dim], weight [head_dim]). y = x / sqrt(mean(x²) + eps) * weight,
// weight in any float dtype; sums in double.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor rms_norm(const Tensor& x, const Tensor& weight, float eps, std::string_view name = {});

}  // namespace chunkwise::runtime
