#include "runtime/cpu/fast_exp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace chunkwise::runtime::cpu {
namespace {

TEST(FastExp, MatchesStdExpToAFewUlpOverTheWholeRange) {
  double worst = 0;
  float worst_x = 0;
  for (float x = -87.0f; x <= 88.0f; x += 0.000731f) {
    const double expected = std::exp(double(x));
    const double error = std::abs(double(fast_exp(x)) - expected) / expected;
    if (error > worst) {
      worst = error;
      worst_x = x;
    }
  }
  EXPECT_LT(worst, 4 * std::numeric_limits<float>::epsilon()) << "at x = " << worst_x;
}

TEST(FastExp, EdgesGiveZeroOneAndInfinity) {
  EXPECT_EQ(fast_exp(-std::numeric_limits<float>::infinity()), 0.0f);
  EXPECT_EQ(fast_exp(-100.0f), 0.0f);
  EXPECT_EQ(fast_exp(0.0f), 1.0f);
  EXPECT_EQ(fast_exp(100.0f), std::numeric_limits<float>::infinity());
  EXPECT_EQ(fast_exp(std::numeric_limits<float>::infinity()), std::numeric_limits<float>::infinity());
}

}  // namespace
}  // namespace chunkwise::runtime::cpu
