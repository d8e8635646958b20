// A dense, contiguous, row-major tensor: dtype + shape + a Buffer (owned or a view) + a byte offset into it.
// Copies are shallow (they share the buffer), like torch.Tensor.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/error.h"
#include "runtime/buffer.h"
#include "runtime/dtype.h"

namespace chunkwise::runtime {

using Shape = std::vector<int64_t>;

std::string to_string(const Shape& shape);  // "[2, 3]"
int64_t element_count(const Shape& shape);

class Tensor {
 public:
  Tensor() = default;

  // Uninitialized memory from the device's allocator.
  static Tensor empty(const Shape& shape, DType dtype, Device device = Device::cpu);
  // A view of `buffer` at `byte_offset`; fails when the tensor does not fit in the buffer.
  static Tensor view(const Buffer& buffer, size_t byte_offset, const Shape& shape, DType dtype);
  // A view of memory kept alive by the caller (e.g. a memory-mapped weight).
  static Tensor view(const void* data, const Shape& shape, DType dtype, Device device = Device::cpu);

  bool defined() const { return buffer_.data() != nullptr || element_count(shape_) == 0; }
  DType dtype() const { return dtype_; }
  Device device() const { return buffer_.device(); }
  const Shape& shape() const { return shape_; }
  int rank() const { return int(shape_.size()); }
  int64_t dim(int axis) const;  // negative axes count from the end
  int64_t numel() const { return element_count(shape_); }
  size_t bytes() const { return size_t(numel()) * size_of(dtype_); }
  const Buffer& buffer() const { return buffer_; }

  void* raw_data() const { return static_cast<char*>(buffer_.data()) + offset_; }
  // Typed access; T must match the dtype (float, Half, BFloat16, int32_t).
  template <typename T>
  T* data() const {
    if (dtype_of<T>() != dtype_)
      fail(ErrorKind::internal, "tensor of dtype {} accessed as {}", to_string(dtype_),
           to_string(dtype_of<T>()));
    return static_cast<T*>(raw_data());
  }

  // The same memory with another shape of the same element count.
  Tensor reshape(const Shape& shape) const;
  // Rows [begin, end) along the first axis, sharing memory.
  Tensor rows(int64_t begin, int64_t end) const;

 private:
  Buffer buffer_;
  size_t offset_ = 0;
  Shape shape_;
  DType dtype_ = DType::f32;
};

// Host <-> device copies (plain copies on the CPU backend).
Tensor to_device(const Tensor& tensor, Device device);
Tensor from_host(const void* data, const Shape& shape, DType dtype, Device device);
std::vector<float> to_host_floats(const Tensor& tensor);  // f32/f16/bf16 tensor, converted to float
std::vector<int32_t> to_host_ints(const Tensor& tensor);  // i32 tensor

}  // namespace chunkwise::runtime
