// f16 / bf16 to f32 conversion. Scalar for now: the runtime's kernels will convert whole rows with F16C
// (_mm256_cvtph_ps) and AVX-512 BF16 / a shift-by-16 on AVX2 next to the GEMV, where the conversion is fused
// with the dot product; these functions are the reference those kernels are tested against.
#pragma once

#include <bit>
#include <cstdint>
#include <span>

#include "model/dtype.h"

namespace chunkwise::model {

// bf16 is the top half of an f32: exact.
inline float bf16_to_f32(uint16_t bits) {
  return std::bit_cast<float>(static_cast<uint32_t>(bits) << 16);
}

// IEEE 754 half to float, exact for every input (subnormals, infinities and NaN payloads included).
float f16_to_f32(uint16_t bits);

// Converts `count` elements of little-endian `dtype` (f32, f16 or bf16) starting at `bytes` to f32 in `out`.
// `bytes` need not be aligned. Throws Error(unsupported) for any other dtype and Error(internal) if the
// sizes disagree.
void convert_to_f32(DType dtype, std::span<const std::byte> bytes, std::span<float> out);

}  // namespace chunkwise::model
