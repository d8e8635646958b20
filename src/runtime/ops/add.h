// Residual addition of two f32 tensors of one shape.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor add(const Tensor& a, const Tensor& b, std::string_view name = {});
// a += b.
void add_inplace(Tensor& a, const Tensor& b, std::string_view name = {});

}  // namespace chunkwise::runtime
