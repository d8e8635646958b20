// Rows of a tensor picked by index along the first axis: x [N, ...] (any dtype), rows i32 indices in [0, N)
// → [len(rows), ...] of x's dtype. The decoder uses it to keep only the tokens whose logits are wanted.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor gather_rows(const Tensor& x, std::span<const int32_t> rows, std::string_view name = {});

}  // namespace chunkwise::runtime
