// xoshiro256** (Blackman and Vigna) seeded through splitmix64: the same seed gives the same numbers on every
// platform and standard library, which std::uniform_real_distribution does not promise.
#pragma once

#include <array>
#include <cstdint>

namespace chunkwise::generate {

class RandomGenerator {
 public:
  explicit RandomGenerator(uint64_t seed);
  explicit RandomGenerator(const std::array<uint64_t, 4>& state) : state_(state) {}

  uint64_t next_u64();
  double next_double();  // uniform in [0, 1): the top 53 bits of next_u64() scaled by 2^-53

 private:
  std::array<uint64_t, 4> state_;
};

}  // namespace chunkwise::generate
