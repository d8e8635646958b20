// Token embedding: rows of weight [vocab, D] (any float dtype) at ids (i32 [T]) → f32 [T, D].
// An id outside [0, vocab) is an error naming it.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor embedding(const Tensor& ids, const Tensor& weight, std::string_view name = {});

}  // namespace chunkwise::runtime
