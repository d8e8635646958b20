// Index of the largest value along the last axis (the first one on ties, as torch.argmax): f32 [..., V] → i32
// [...].
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor argmax(const Tensor& x, std::string_view name = {});

}  // namespace chunkwise::runtime
