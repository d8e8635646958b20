// exp(x) for f32 to within ~2 ulp, branch-free so that loops calling it vectorize (std::exp does not):
// x = n ln2 + r with |r| <= ln2 / 2, exp(r) by a degree-6 polynomial, 2^n through the exponent bits.
// Below -87: 0 (the softmax's and SiLU's masked or vanishing terms); above 88: inf.
#pragma once

#include <algorithm>
#include <bit>
#include <cstdint>

namespace chunkwise::runtime::cpu {

[[gnu::always_inline]] inline float fast_exp(float x) {
  const float clamped = std::min(std::max(x, -87.0f), 88.0f);
  const float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = (clamped - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float p = 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = std::bit_cast<float>((int32_t(n) + 127) << 23);
  const float result = x > 88.0f ? __builtin_inff() : p * scale;
  return x < -87.0f ? 0.0f : result;
}

}  // namespace chunkwise::runtime::cpu
