// RoPE: inverse-frequency tables against values computed with a transcription of transformers'
// modeling_rope_utils.py (python floats, see the comment of each case; yarn as in transformers 5), and the
// rotation against a reference.
#include "runtime/ops/rope.h"

#include <gtest/gtest.h>

#include <cmath>

#include "test_tensors.h"

namespace chunkwise::runtime {
namespace {

void expect_table(const RopeTable& table, const std::vector<double>& expected,
                  double attention_factor = 1.0) {
  ASSERT_EQ(table.inv_freq.size(), expected.size());
  EXPECT_EQ(table.rotary_dim, int(2 * expected.size()));
  for (size_t i = 0; i < expected.size(); ++i)
    EXPECT_NEAR(table.inv_freq[i], expected[i], 2e-7 * expected[i]) << "inv_freq[" << i << "]";
  EXPECT_NEAR(table.attention_factor, attention_factor, 1e-6);
}

const std::vector<double> default_16 = {1.000000000e+00, 3.162277660e-01, 1.000000000e-01, 3.162277660e-02,
                                        1.000000000e-02, 3.162277660e-03, 1.000000000e-03, 3.162277660e-04};

TEST(RopeTable, Default) {
  // By hand: 1 / 10000^(2i/16) = 10^(-i/2).
  expect_table(rope_table(RopeConfig{}, 16), default_16);
}

TEST(RopeTable, Linear) {
  RopeConfig config;
  config.type = RopeType::linear;
  config.factor = 4;
  expect_table(rope_table(config, 16), {2.500000000e-01, 7.905694150e-02, 2.500000000e-02, 7.905694150e-03,
                                        2.500000000e-03, 7.905694150e-04, 2.500000000e-04, 7.905694150e-05});
}

TEST(RopeTable, DynamicGrowsTheBaseOnlyPastMaxPositions) {
  RopeConfig config;
  config.type = RopeType::dynamic;
  config.factor = 2;
  config.max_position_embeddings = 64;
  expect_table(rope_table(config, 16, 50), default_16);
  expect_table(rope_table(config, 16), default_16);
  // base = 10000 * (2 * 100 / 64 - 1)^(16 / 14)
  expect_table(rope_table(config, 16, 100),
               {1.000000000e+00, 2.839451388e-01, 8.062484188e-02, 2.289303192e-02, 6.500365127e-03,
                1.845747079e-03, 5.240909105e-04, 1.488130664e-04});
}

TEST(RopeTable, Yarn) {
  RopeConfig config;
  config.type = RopeType::yarn;
  config.factor = 4;
  config.max_position_embeddings = 256;
  config.original_max_position_embeddings = 64;
  // factor = 256 / 64, correction range [0, 3], attention factor 0.1 ln 4 + 1.
  expect_table(rope_table(config, 16),
               {1.000000000e+00, 2.371708245e-01, 5.000000000e-02, 7.905694150e-03, 2.500000000e-03,
                7.905694150e-04, 2.500000000e-04, 7.905694150e-05},
               1.138629436e+00);

  // transformers 5: an explicit factor wins over max_position_embeddings / original_max_position_embeddings
  // (Qwen2.5-style configs: factor 4 with both at 64 here); an absent factor is that ratio.
  RopeConfig explicit_factor = config;
  explicit_factor.max_position_embeddings = 64;
  EXPECT_EQ(rope_table(explicit_factor, 16).inv_freq, rope_table(config, 16).inv_freq);
  EXPECT_EQ(rope_table(explicit_factor, 16).attention_factor, rope_table(config, 16).attention_factor);
  RopeConfig implied_factor = config;
  implied_factor.factor = 0;
  EXPECT_EQ(rope_table(implied_factor, 16).inv_freq, rope_table(config, 16).inv_freq);
  EXPECT_EQ(rope_table(implied_factor, 16).attention_factor, rope_table(config, 16).attention_factor);

  RopeConfig untruncated;
  untruncated.type = RopeType::yarn;
  untruncated.factor = 8;
  untruncated.max_position_embeddings = 64;
  untruncated.beta_fast = 16;
  untruncated.beta_slow = 2;
  untruncated.truncate = false;
  expect_table(rope_table(untruncated, 16),
               {1.000000000e+00, 1.205339938e-01, 1.250000000e-02, 3.952847075e-03, 1.250000000e-03,
                3.952847075e-04, 1.250000000e-04, 3.952847075e-05},
               1.207944154e+00);

  RopeConfig deepseek = untruncated;
  deepseek.factor = 4;
  deepseek.beta_fast = deepseek.beta_slow = 0;
  deepseek.mscale = 0.707;
  deepseek.mscale_all_dim = 1.0;
  EXPECT_NEAR(rope_table(deepseek, 16).attention_factor, 9.643269149e-01, 1e-6);
  deepseek.attention_factor = 0.5;  // explicit wins
  EXPECT_EQ(rope_table(deepseek, 16).attention_factor, 0.5f);
}

TEST(RopeTable, Llama3ScalesLowKeepsHighAndSmoothsMediumFrequencies) {
  RopeConfig config;
  config.theta = 500000;
  config.type = RopeType::llama3;
  config.factor = 8;
  config.low_freq_factor = 1;
  config.high_freq_factor = 4;
  config.original_max_position_embeddings = 8192;
  // Wavelengths 2π·500000^(i/8): i <= 3 below 2048 (kept), i = 4 between (smoothed), i >= 5 above 8192 (/ 8).
  expect_table(rope_table(config, 16), {1.000000000e+00, 1.939227447e-01, 3.760603093e-02, 7.292664737e-03,
                                        5.248461610e-04, 3.428102196e-05, 6.647869871e-06, 1.289173172e-06});
  double low_frequency = 1.0 / std::pow(500000.0, 10.0 / 16) / 8;  // by hand: divided by the factor
  EXPECT_NEAR(rope_table(config, 16).inv_freq[5], low_frequency, 1e-7 * low_frequency);
}

TEST(RopeTable, PartialRotaryAndBadConfigs) {
  RopeConfig config;
  config.partial_rotary_factor = 0.5;
  expect_table(rope_table(config, 32), default_16);  // rotary dim 16 of a 32-wide head
  config.partial_rotary_factor = 0.3;
  EXPECT_TRUE(fails_with([&] { rope_table(config, 10); }, "rotary dimension 3"));
  RopeConfig llama3;
  llama3.type = RopeType::llama3;
  llama3.factor = 8;
  EXPECT_TRUE(fails_with([&] { rope_table(llama3, 16); },
                         "original_max_position_embeddings (or max_position_embeddings) must be > 0, got 0"));
}

class Rope : public ::testing::TestWithParam<Device> {};

TEST_P(Rope, RotatesPairsIAndIPlusHalfAtEachTokensPosition) {
  // By hand: head_dim 4, inv_freq {1, 0.5}, position 2: pair (0, 2) turns by 2 rad, pair (1, 3) by 1 rad.
  RopeTable table{4, {1.0f, 0.5f}, 1.0f};
  std::vector<float> x = {1, 2, 3, 4};
  Tensor t = f32_tensor(x, {1, 4}, GetParam());
  std::vector<int32_t> positions = {2};
  rope_inplace(t, 4, positions, table);
  std::vector<double> expected = {
      1 * std::cos(2.0) - 3 * std::sin(2.0), 2 * std::cos(1.0) - 4 * std::sin(1.0),
      3 * std::cos(2.0) + 1 * std::sin(2.0), 4 * std::cos(1.0) + 2 * std::sin(1.0)};
  EXPECT_TRUE(all_close(to_host_floats(t), expected, 1e-6, 1e-6));
}

TEST_P(Rope, MatchesReferenceWithPartialRotaryAndAttentionFactor) {
  int64_t tokens = 5, heads = 3, head_dim = 24;
  RopeConfig config;
  config.type = RopeType::yarn;
  config.factor = 4;
  config.max_position_embeddings = 4096;
  config.partial_rotary_factor = 2.0 / 3;  // 16 of 24 rotated
  RopeTable table = rope_table(config, int(head_dim));
  ASSERT_EQ(table.rotary_dim, 16);
  auto x = random_floats(size_t(tokens * heads * head_dim), 21);
  std::vector<int32_t> positions = {0, 7, 3, 1000, 4095};
  Tensor t = f32_tensor(x, {tokens, heads, head_dim}, GetParam());
  rope_inplace(t, int(head_dim), positions, table);
  std::vector<double> expected(x.begin(), x.end());
  int half = table.rotary_dim / 2;
  for (int64_t i = 0; i < tokens; ++i)
    for (int64_t h = 0; h < heads; ++h)
      for (int j = 0; j < half; ++j) {
        double angle = double(float(positions[size_t(i)]) * table.inv_freq[size_t(j)]);
        double c = std::cos(angle) * table.attention_factor, s = std::sin(angle) * table.attention_factor;
        size_t a = size_t((i * heads + h) * head_dim + j), b = a + size_t(half);
        expected[a] = x[a] * c - x[b] * s;
        expected[b] = x[b] * c + x[a] * s;
      }
  EXPECT_TRUE(all_close(to_host_floats(t), expected, 2e-6, 1e-5));
}

TEST_P(Rope, ShapeErrors) {
  RopeTable table = rope_table(RopeConfig{}, 8);
  Tensor t = f32_tensor(random_floats(2 * 12, 1), {2, 12}, GetParam());
  std::vector<int32_t> positions = {0, 1};
  EXPECT_TRUE(fails_with([&] { rope_inplace(t, 8, positions, table); },
                         "rope: input [2, 12] is not [tokens, heads * 8] or [tokens, heads, 8]"));
  Tensor u = f32_tensor(random_floats(2 * 16, 1), {2, 16}, GetParam());
  std::vector<int32_t> one = {0};
  EXPECT_TRUE(fails_with([&] { rope_inplace(u, 8, one, table); }, "rope: 1 positions for 2 tokens"));
  EXPECT_TRUE(fails_with([&] { rope_inplace(u, 4, positions, table); }, "does not fit head_dim 4"));
}

INSTANTIATE_TEST_SUITE_P(Devices, Rope, ::testing::Values(Device::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace chunkwise::runtime
