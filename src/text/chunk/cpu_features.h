// Whether the CPU runs the chunkers' AVX2 + POPCNT code paths (white_space.cc, text_masks.cc); asked once.
#pragma once

namespace chunkwise::text {

#if defined(__x86_64__)
inline bool cpu_has_avx2_popcnt() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  return has;
}
#endif

}  // namespace chunkwise::text
