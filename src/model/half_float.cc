#include "model/half_float.h"

#include <cstring>

#include "common/error.h"

namespace chunkwise::model {

float f16_to_f32(uint16_t bits) {
  const uint32_t sign = static_cast<uint32_t>(bits & 0x8000u) << 16;
  const uint32_t exponent = (bits >> 10) & 0x1fu;
  uint32_t mantissa = bits & 0x3ffu;
  uint32_t result;
  if (exponent == 0x1f) {  // infinity or NaN: keep the payload
    result = sign | 0x7f800000u | (mantissa << 13);
  } else if (exponent != 0) {  // normal
    result = sign | ((exponent + 112u) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // signed zero
    result = sign;
  } else {  // subnormal half: normalise it, every one is a normal float
    int shift = 0;
    while ((mantissa & 0x400u) == 0) {
      mantissa <<= 1;
      ++shift;
    }
    mantissa &= 0x3ffu;
    result = sign | (static_cast<uint32_t>(113 - shift) << 23) | (mantissa << 13);
  }
  return std::bit_cast<float>(result);
}

void convert_to_f32(DType dtype, std::span<const std::byte> bytes, std::span<float> out) {
  const size_t element_bytes = static_cast<size_t>(bits_per_element(dtype)) / 8;
  if (!is_supported_weight_dtype(dtype)) {
    fail(ErrorKind::unsupported, "dtype {} cannot be converted to F32 (supported: F32, F16, BF16)",
         to_string(dtype));
  }
  if (bytes.size() != out.size() * element_bytes) {
    fail(ErrorKind::internal, "convert_to_f32: {} bytes of {} for {} floats", bytes.size(), to_string(dtype),
         out.size());
  }
  // Hot loops for the runtime belong in its SIMD kernels (see the header); this is the portable reference.
  switch (dtype) {
    case DType::f32:
      if (!out.empty()) std::memcpy(out.data(), bytes.data(), bytes.size());
      break;
    case DType::f16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t bits;
        std::memcpy(&bits, bytes.data() + 2 * i, 2);
        out[i] = f16_to_f32(bits);
      }
      break;
    case DType::bf16:
      for (size_t i = 0; i < out.size(); ++i) {
        uint16_t bits;
        std::memcpy(&bits, bytes.data() + 2 * i, 2);
        out[i] = bf16_to_f32(bits);
      }
      break;
    default:
      break;
  }
}

}  // namespace chunkwise::model
