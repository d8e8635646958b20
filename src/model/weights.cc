#include "model/weights.h"

#include <cstring>

#include "common/error.h"

namespace chunkwise::model {

runtime::DType runtime_dtype(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return runtime::DType::f32;
    case DType::f16:
      return runtime::DType::f16;
    case DType::bf16:
      return runtime::DType::bf16;
    default:
      fail(ErrorKind::unsupported, "weights of dtype {} are not supported (f32, f16, bf16 are)",
           to_string(dtype));
  }
}

runtime::Tensor bind_weight(const Checkpoint& checkpoint, const TensorSpec& spec) {
  const std::optional<TensorView> view = checkpoint.find(spec.name);
  if (!view)
    fail(ErrorKind::invalid_input, "{}: tensor '{}' is missing", checkpoint.source_name(), spec.name);
  if (!std::equal(view->shape.begin(), view->shape.end(), spec.shape.begin(), spec.shape.end()))
    fail(ErrorKind::invalid_input, "{}: tensor '{}' has shape {}, the config implies {}", view->file_name,
         spec.name, runtime::to_string(runtime::Shape(view->shape.begin(), view->shape.end())),
         runtime::to_string(spec.shape));
  const runtime::DType dtype = runtime_dtype(view->dtype);
  const auto* data = view->bytes.data();
  if (reinterpret_cast<uintptr_t>(data) % runtime::size_of(dtype) == 0)
    return runtime::Tensor::view(data, spec.shape, dtype);
  runtime::Tensor copy = runtime::Tensor::empty(spec.shape, dtype);
  std::memcpy(copy.raw_data(), data, copy.bytes());
  return copy;
}

runtime::Tensor bind_weight(const Checkpoint& checkpoint, const std::optional<TensorSpec>& spec) {
  return spec ? bind_weight(checkpoint, *spec) : runtime::Tensor();
}

}  // namespace chunkwise::model
