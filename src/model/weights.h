// Checkpoint tensors as runtime tensors: memory-mapped views, never copies (a tensor whose data is not
// aligned for its dtype, which a hand-made safetensors file can produce, is the one exception: it is copied
// once).
#pragma once

#include <optional>

#include "model/checkpoint.h"
#include "model/weight_layout.h"
#include "runtime/tensor.h"

namespace chunkwise::model {

runtime::DType runtime_dtype(DType dtype);  // f32/f16/bf16; anything else is Error(unsupported)

// The tensor named by `spec`, with the spec's shape. Throws Error(invalid_input) naming the tensor if it is
// missing or has another shape (open_model_directory has already checked both).
runtime::Tensor bind_weight(const Checkpoint& checkpoint, const TensorSpec& spec);
// An optional tensor (bias, q/k norm): undefined Tensor when the spec is absent.
runtime::Tensor bind_weight(const Checkpoint& checkpoint, const std::optional<TensorSpec>& spec);

}  // namespace chunkwise::model
