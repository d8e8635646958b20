// Gated MLP activation: silu(gate) * up = gate / (1 + exp(-gate)) * up, both f32 of one shape.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor silu_mul(const Tensor& gate, const Tensor& up, std::string_view name = {});

}  // namespace chunkwise::runtime
