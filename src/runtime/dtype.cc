#include "runtime/dtype.h"

namespace chunkwise::runtime {

const char* to_string(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return "f32";
    case DType::f16:
      return "f16";
    case DType::bf16:
      return "bf16";
    case DType::i32:
      return "i32";
  }
  return "?";
}

size_t size_of(DType dtype) {
  switch (dtype) {
    case DType::f32:
      return 4;
    case DType::f16:
      return 2;
    case DType::bf16:
      return 2;
    case DType::i32:
      return 4;
  }
  return 0;
}

float to_float(Half value) {
  uint32_t sign = uint32_t(value.bits & 0x8000) << 16;
  uint32_t exponent = (value.bits >> 10) & 0x1f;
  uint32_t mantissa = value.bits & 0x3ff;
  uint32_t bits;
  if (exponent == 0x1f) {  // inf / nan
    bits = sign | 0x7f800000 | (mantissa << 13);
  } else if (exponent != 0) {  // normal
    bits = sign | ((exponent + 112) << 23) | (mantissa << 13);
  } else if (mantissa == 0) {  // zero
    bits = sign;
  } else {  // subnormal: normalize
    exponent = 113;
    while ((mantissa & 0x400) == 0) {
      mantissa <<= 1;
      --exponent;
    }
    bits = sign | (exponent << 23) | ((mantissa & 0x3ff) << 13);
  }
  float result;
  std::memcpy(&result, &bits, sizeof result);
  return result;
}

BFloat16 to_bfloat16(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  if ((bits & 0x7fffffff) > 0x7f800000) return BFloat16{uint16_t((bits >> 16) | 0x40)};  // quiet nan
  bits += 0x7fff + ((bits >> 16) & 1);
  return BFloat16{uint16_t(bits >> 16)};
}

Half to_half(float value) {
  uint32_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  uint16_t sign = uint16_t((bits >> 16) & 0x8000);
  uint32_t magnitude = bits & 0x7fffffff;
  if (magnitude > 0x7f800000) return Half{uint16_t(sign | 0x7e00)};   // nan
  if (magnitude >= 0x477ff000) return Half{uint16_t(sign | 0x7c00)};  // rounds to inf
  if (magnitude < 0x38800000) {                     // below the smallest normal half: subnormal or zero
    if (magnitude < 0x33000000) return Half{sign};  // below half of the smallest subnormal
    uint32_t exponent = magnitude >> 23;
    uint32_t mantissa = (magnitude & 0x7fffff) | 0x800000;
    uint32_t shift = 126 - exponent;  // value * 2^24 = mantissa * 2^(exponent - 126)
    uint32_t result = mantissa >> shift;
    uint32_t remainder = mantissa & ((1u << shift) - 1);
    uint32_t halfway = 1u << (shift - 1);
    if (remainder > halfway || (remainder == halfway && (result & 1))) ++result;
    return Half{uint16_t(sign | result)};
  }
  uint32_t rounded = magnitude + 0xfff + ((magnitude >> 13) & 1);  // round to nearest even at bit 13
  return Half{uint16_t(sign | ((rounded - 0x38000000) >> 13))};
}

}  // namespace chunkwise::runtime
