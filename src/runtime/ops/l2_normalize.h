// Row-wise L2 normalization (embeddings): x f32 [N, D] → x / max(||x||₂, 1e-12) per row, as
// torch.nn.functional.normalize computes it (an all-zero row stays zero); sums in double.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

Tensor l2_normalize(const Tensor& x, std::string_view name = {});

}  // namespace chunkwise::runtime
