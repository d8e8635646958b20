// Softmax over the last axis, numerically stable (max subtracted). f32 → f32 of the same shape.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor softmax(const Tensor& x, std::string_view name = {});

}  // namespace chunkwise::runtime
