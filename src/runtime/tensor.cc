#include "runtime/tensor.h"

#include <fmt/format.h>

#include <cstring>

namespace chunkwise::runtime {

std::string to_string(const Shape& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

int64_t element_count(const Shape& shape) {
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  return count;
}

static void check_shape(const Shape& shape) {
  for (int64_t d : shape)
    if (d < 0) fail(ErrorKind::invalid_input, "tensor shape {} has a negative dimension", to_string(shape));
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device device) {
  check_shape(shape);
  Tensor tensor;
  tensor.shape_ = shape;
  tensor.dtype_ = dtype;
  tensor.buffer_ = Buffer::allocate(device, size_t(element_count(shape)) * size_of(dtype));
  return tensor;
}

Tensor Tensor::view(const Buffer& buffer, size_t byte_offset, const Shape& shape, DType dtype) {
  check_shape(shape);
  size_t bytes = size_t(element_count(shape)) * size_of(dtype);
  if (byte_offset > buffer.bytes() || bytes > buffer.bytes() - byte_offset)
    fail(ErrorKind::invalid_input, "tensor {} {} at byte offset {} does not fit in a buffer of {} bytes",
         to_string(dtype), to_string(shape), byte_offset, buffer.bytes());
  Tensor tensor;
  tensor.buffer_ = buffer;
  tensor.offset_ = byte_offset;
  tensor.shape_ = shape;
  tensor.dtype_ = dtype;
  return tensor;
}

Tensor Tensor::view(const void* data, const Shape& shape, DType dtype, Device device) {
  check_shape(shape);
  size_t bytes = size_t(element_count(shape)) * size_of(dtype);
  return view(Buffer::view(const_cast<void*>(data), bytes, device), 0, shape, dtype);
}

int64_t Tensor::dim(int axis) const {
  int r = rank();
  int index = axis < 0 ? axis + r : axis;
  if (index < 0 || index >= r)
    fail(ErrorKind::internal, "axis {} out of range for a tensor of shape {}", axis, to_string(shape_));
  return shape_[size_t(index)];
}

Tensor Tensor::reshape(const Shape& shape) const {
  check_shape(shape);
  if (element_count(shape) != numel())
    fail(ErrorKind::invalid_input, "cannot reshape a tensor of shape {} to {}", to_string(shape_),
         to_string(shape));
  Tensor tensor = *this;
  tensor.shape_ = shape;
  return tensor;
}

Tensor Tensor::rows(int64_t begin, int64_t end) const {
  if (rank() == 0 || begin < 0 || end < begin || end > shape_[0])
    fail(ErrorKind::invalid_input, "rows [{}, {}) out of range for a tensor of shape {}", begin, end,
         to_string(shape_));
  Tensor tensor = *this;
  int64_t row_elements = shape_[0] == 0 ? 0 : numel() / shape_[0];
  tensor.offset_ += size_t(begin * row_elements) * size_of(dtype_);
  tensor.shape_[0] = end - begin;
  return tensor;
}

Tensor to_device(const Tensor& tensor, Device device) {
  if (tensor.device() != Device::cpu || device != Device::cpu)
    fail(ErrorKind::unsupported, "copying a tensor from {} to {}: not built with that backend",
         to_string(tensor.device()), to_string(device));
  Tensor copy = Tensor::empty(tensor.shape(), tensor.dtype(), device);
  if (tensor.bytes() != 0) std::memcpy(copy.raw_data(), tensor.raw_data(), tensor.bytes());
  return copy;
}

Tensor from_host(const void* data, const Shape& shape, DType dtype, Device device) {
  return to_device(Tensor::view(data, shape, dtype, Device::cpu), device);
}

std::vector<float> to_host_floats(const Tensor& tensor) {
  Tensor host = to_device(tensor, Device::cpu);
  if (host.dtype() == DType::i32) fail(ErrorKind::invalid_input, "to_host_floats: tensor is i32");
  std::vector<float> values(size_t(host.numel()));
  visit_float_dtype(host.dtype(), [&]<typename T>(T) {
    const T* source = host.data<T>();
    for (size_t i = 0; i < values.size(); ++i) values[i] = to_float(source[i]);
  });
  return values;
}

std::vector<int32_t> to_host_ints(const Tensor& tensor) {
  Tensor host = to_device(tensor, Device::cpu);
  const int32_t* source = host.data<int32_t>();
  return std::vector<int32_t>(source, source + host.numel());
}

}  // namespace chunkwise::runtime
