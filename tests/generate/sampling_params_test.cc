// SamplingParams::validate names the field of every impossible value; RandomGenerator is the reference
// xoshiro256**.
#include "generate/sampling_params.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "support/expect_error.h"
#include "generate/random_generator.h"
#include "generate/sampler.h"

namespace chunkwise::generate {
namespace {

using chunkwise::testing::expect_error;

void expect_rejected(const SamplingParams& params, const std::string& fragment) {
  expect_error([&] { params.validate(); }, ErrorKind::invalid_input, fragment);
}

TEST(SamplingParams, DefaultsAndBoundariesAreValid) {
  SamplingParams params;
  EXPECT_NO_THROW(params.validate());
  params.temperature = 0;
  params.top_k = -1;
  params.top_p = 1;
  params.min_p = 1;
  params.repetition_penalty = 0.5f;
  params.presence_penalty = -2;
  params.frequency_penalty = 2;
  params.logprobs = kMaxTopLogprobs;
  EXPECT_NO_THROW(params.validate());
  params.logprobs = 0;
  EXPECT_NO_THROW(params.validate());
}

TEST(SamplingParams, RejectsImpossibleValuesNamingTheField) {
  const float nan = std::numeric_limits<float>::quiet_NaN();
  const float inf = std::numeric_limits<float>::infinity();
  const auto with = [](auto change) {
    SamplingParams params;
    change(params);
    return params;
  };
  expect_rejected(with([](SamplingParams& p) { p.temperature = -0.1f; }), "temperature must be >= 0");
  expect_rejected(with([&](SamplingParams& p) { p.temperature = nan; }),
                  "temperature must be a finite number");
  expect_rejected(with([&](SamplingParams& p) { p.temperature = inf; }), "temperature");
  expect_rejected(with([](SamplingParams& p) { p.top_k = -2; }), "top_k");
  expect_rejected(with([](SamplingParams& p) { p.top_p = 0; }), "top_p must be in (0, 1]");
  expect_rejected(with([](SamplingParams& p) { p.top_p = 1.01f; }), "top_p");
  expect_rejected(with([&](SamplingParams& p) { p.top_p = nan; }), "top_p");
  expect_rejected(with([](SamplingParams& p) { p.min_p = -0.01f; }), "min_p must be in [0, 1]");
  expect_rejected(with([](SamplingParams& p) { p.min_p = 1.5f; }), "min_p");
  expect_rejected(with([](SamplingParams& p) { p.repetition_penalty = 0; }),
                  "repetition_penalty must be > 0");
  expect_rejected(with([&](SamplingParams& p) { p.repetition_penalty = inf; }), "repetition_penalty");
  expect_rejected(with([](SamplingParams& p) { p.presence_penalty = 2.5f; }), "presence_penalty");
  expect_rejected(with([](SamplingParams& p) { p.frequency_penalty = -3; }), "frequency_penalty");
  expect_rejected(with([](SamplingParams& p) { p.logprobs = -1; }), "logprobs");
  expect_rejected(with([](SamplingParams& p) { p.logprobs = kMaxTopLogprobs + 1; }), "logprobs");
}

TEST(SamplingParams, SamplerValidatesOnConstruction) {
  SamplingParams params;
  params.top_p = 2;
  expect_error([&] { Sampler sampler(params); }, ErrorKind::invalid_input, "top_p");
}

// The reference outputs of xoshiro256** from the state {1, 2, 3, 4} (as in the rand_xoshiro test suite).
TEST(SamplingRandom, MatchesXoshiro256StarStarReference) {
  RandomGenerator random(std::array<uint64_t, 4>{1, 2, 3, 4});
  const uint64_t expected[] = {11520ULL,
                               0ULL,
                               1509978240ULL,
                               1215971899390074240ULL,
                               1216172134540287360ULL,
                               607988272756665600ULL,
                               16172922978634559625ULL,
                               8476171486693032832ULL,
                               10595114339597558777ULL,
                               2904607092377533576ULL};
  for (uint64_t value : expected) EXPECT_EQ(random.next_u64(), value);
}

// A seed fills the state with splitmix64 (from 0: 0xe220a8397b1dcdaf, 0x6e789e6aa1b965f4, ...); the outputs
// below come from an independent implementation of both algorithms, and pin the sequence on every platform.
TEST(SamplingRandom, SeedingIsSplitmix64) {
  RandomGenerator random(0);
  EXPECT_EQ(random.next_u64(), 0x99ec5f36cb75f2b4ULL);
  EXPECT_EQ(random.next_u64(), 0xbf6e1f784956452aULL);
  EXPECT_DOUBLE_EQ(RandomGenerator(0).next_double(),
                   static_cast<double>(0x99ec5f36cb75f2b4ULL >> 11) * 0x1.0p-53);
}

TEST(SamplingRandom, SameSeedSameNumbersDifferentSeedDifferentNumbers) {
  RandomGenerator a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    const uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
}

TEST(SamplingRandom, DoublesAreInUnitIntervalWithMeanOneHalf) {
  RandomGenerator random(7);
  double sum = 0;
  const int n = 100000;
  for (int i = 0; i < n; ++i) {
    const double u = random.next_double();
    ASSERT_GE(u, 0.0);
    ASSERT_LT(u, 1.0);
    sum += u;
  }
  EXPECT_NEAR(sum / n, 0.5, 0.01);  // standard error 0.0009
}

}  // namespace
}  // namespace chunkwise::generate
