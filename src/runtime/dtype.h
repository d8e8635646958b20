// Element types of tensors and the scalar conversions between them.
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace chunkwise::runtime {

enum class DType { f32, f16, bf16, i32 };

const char* to_string(DType dtype);
size_t size_of(DType dtype);

// Storage types of 16-bit floats: the bits as stored in a safetensors file.
struct Half {
  uint16_t bits;
};
struct BFloat16 {
  uint16_t bits;
};

inline float to_float(float value) {
  return value;
}
inline float to_float(BFloat16 value) {
  uint32_t bits = uint32_t(value.bits) << 16;
  float result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}
float to_float(Half value);

// Round to nearest even, as PyTorch's .to(torch.bfloat16) / .half() do.
BFloat16 to_bfloat16(float value);
Half to_half(float value);

// The C++ type of each floating dtype, and the dtype of each type.
template <typename T>
constexpr DType dtype_of();
template <>
constexpr DType dtype_of<float>() {
  return DType::f32;
}
template <>
constexpr DType dtype_of<Half>() {
  return DType::f16;
}
template <>
constexpr DType dtype_of<BFloat16>() {
  return DType::bf16;
}
template <>
constexpr DType dtype_of<int32_t>() {
  return DType::i32;
}

template <typename T>
concept FloatStorage = std::same_as<T, float> || std::same_as<T, Half> || std::same_as<T, BFloat16>;

// Calls body(T{}) with T the storage type of a floating dtype (f32, f16, bf16); i32 is not a float dtype.
template <typename Body>
decltype(auto) visit_float_dtype(DType dtype, Body&& body) {
  switch (dtype) {
    case DType::f16:
      return body(Half{});
    case DType::bf16:
      return body(BFloat16{});
    default:
      return body(float{});
  }
}

}  // namespace chunkwise::runtime
