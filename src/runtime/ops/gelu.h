// GELU activation of an f32 tensor, element-wise. `exact` is torch's default (hidden_act "gelu"):
// x / 2 * (1 + erf(x / sqrt(2))); `tanh` is the approximation of "gelu_new" / "gelu_pytorch_tanh":
// x / 2 * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 x³))).
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

enum class GeluApproximation { exact, tanh };

Tensor gelu(const Tensor& x, GeluApproximation approximation = GeluApproximation::exact,
            std::string_view name = {});

}  // namespace chunkwise::runtime
