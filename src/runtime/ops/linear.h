// y = x · Wᵀ (+ bias): x [..., K] f32, weight [N, K] f32/f16/bf16 (as stored by Hugging Face: one row per
// output), bias [N] (any float dtype) or null. Returns f32 [..., N]. 16-bit weights are converted to f32
// inside the kernel.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias = nullptr,
              std::string_view name = {});
// Writes into `out` (f32 [..., N], allocated by the caller, e.g. reused across steps).
void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out,
                 std::string_view name = {});

}  // namespace chunkwise::runtime
