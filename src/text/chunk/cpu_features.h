// Whether the chunkers take their AVX2 + POPCNT code paths (white_space.cc, text_masks.cc): when the CPU has
// them (asked once) and they are allowed. Tests turn them off to run the portable paths on the same machine.
#pragma once

#include <atomic>

namespace chunkwise::text {

inline std::atomic<bool> avx2_paths_allowed{true};

#if defined(__x86_64__)
inline bool use_avx2_popcnt() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  return has && avx2_paths_allowed.load(std::memory_order_relaxed);
}
#endif

}  // namespace chunkwise::text
