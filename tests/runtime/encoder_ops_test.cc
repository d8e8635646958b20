// The encoder ops (layer_norm, gelu, non-causal attention over packed sequences, l2_normalize) against naive
// references in double precision, on every device the build has.
#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <vector>

#include "runtime/ops/attention.h"
#include "runtime/ops/gelu.h"
#include "runtime/ops/l2_normalize.h"
#include "runtime/ops/layer_norm.h"
#include "test_tensors.h"

namespace chunkwise::runtime {
namespace {

class EncoderOps : public ::testing::TestWithParam<Device> {
 protected:
  Device device() const { return GetParam(); }
};

// ---- layer_norm
// ----------------------------------------------------------------------------------------------

std::vector<double> reference_layer_norm(const std::vector<float>& x, const std::vector<float>& w,
                                         const std::vector<float>& b, double eps) {
  const size_t width = w.size();
  std::vector<double> y(x.size());
  for (size_t r = 0; r < x.size() / width; ++r) {
    double mean = 0, variance = 0;
    for (size_t i = 0; i < width; ++i) mean += x[r * width + i];
    mean /= double(width);
    for (size_t i = 0; i < width; ++i) variance += (x[r * width + i] - mean) * (x[r * width + i] - mean);
    variance /= double(width);
    for (size_t i = 0; i < width; ++i)
      y[r * width + i] = (x[r * width + i] - mean) / std::sqrt(variance + eps) * w[i] + b[i];
  }
  return y;
}

TEST_P(EncoderOps, LayerNormMatchesReferenceForEveryWeightDtype) {
  // An offset far from zero: a one-pass E[x²] - E[x]² in float would lose the variance.
  auto x = random_floats(6 * 48, 21, 997, 1003);
  auto bias = random_floats(48, 23);
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    std::vector<float> w_rounded;
    Tensor w = float_tensor(random_floats(48, 22, 0.5, 1.5), {48}, dtype, device(), &w_rounded);
    Tensor y = layer_norm(f32_tensor(x, {2, 3, 48}, device()), w, f32_tensor(bias, {48}, device()), 1e-12f);
    EXPECT_EQ(y.shape(), (Shape{2, 3, 48}));
    EXPECT_TRUE(all_close(to_host_floats(y), reference_layer_norm(x, w_rounded, bias, 1e-12), 1e-5, 1e-4))
        << to_string(dtype);
  }
  // A constant row normalizes to the bias (eps keeps it finite).
  Tensor constant =
      layer_norm(f32_tensor(std::vector<float>(4, 3.0f), {1, 4}, device()),
                 f32_tensor({1, 1, 1, 1}, {4}, device()), f32_tensor({1, 2, 3, 4}, {4}, device()), 1e-5f);
  EXPECT_TRUE(all_close(to_host_floats(constant), {1, 2, 3, 4}, 0, 0));
}

TEST_P(EncoderOps, LayerNormErrorsNameTheShapes) {
  Tensor x = f32_tensor(random_floats(8, 1), {2, 4}, device());
  Tensor four = f32_tensor({1, 1, 1, 1}, {4}, device());
  Tensor three = f32_tensor({1, 1, 1}, {3}, device());
  EXPECT_TRUE(fails_with([&] { layer_norm(x, three, four, 1e-5f); },
                         "layer_norm: input [2, 4] needs weight and bias [4], got [3] and [4]"));
  EXPECT_TRUE(fails_with([&] { layer_norm(x, four, three, 1e-5f); }, "got [4] and [3]"));
  EXPECT_TRUE(fails_with([&] { layer_norm(x, four, four, -1.0f); }, "layer_norm: eps must be >= 0"));
  EXPECT_TRUE(fails_with(
      [&] {
        layer_norm(i32_tensor({1, 2, 3, 4}, {4}, device()), four, four, 0);
      },
      "layer_norm: input must be f32"));
}

// ---- gelu
// ----------------------------------------------------------------------------------------------------

TEST_P(EncoderOps, GeluExactAndTanhMatchTheirFormulas) {
  auto x = random_floats(1000, 31, -8, 8);
  x.insert(x.end(), {0.0f, -0.0f, 1.0f, -1.0f, 20.0f, -20.0f});
  std::vector<double> exact, tanh_form;
  for (float v : x) {
    exact.push_back(0.5 * v * (1 + std::erf(v / std::numbers::sqrt2)));
    const double inner = std::sqrt(2 / std::numbers::pi) * (v + 0.044715 * double(v) * v * v);
    tanh_form.push_back(0.5 * v * (1 + std::tanh(inner)));
  }
  Tensor t = f32_tensor(x, {int64_t(x.size())}, device());
  const auto exact_out = to_host_floats(gelu(t));
  const auto tanh_out = to_host_floats(gelu(t, GeluApproximation::tanh));
  // Float erf / tanh near -1 cancel in 1 + erf: absolute errors of ~1e-7 where the result is small.
  EXPECT_TRUE(all_close(exact_out, exact, 1e-6, 1e-5));
  EXPECT_TRUE(all_close(tanh_out, tanh_form, 1e-6, 1e-5));
  // The two forms differ (by up to ~5e-4 near |x| = 2): the test can tell which one ran.
  double largest = 0;
  for (size_t i = 0; i < x.size(); ++i) largest = std::max(largest, std::abs(exact[i] - tanh_form[i]));
  EXPECT_GT(largest, 1e-4);
  EXPECT_FALSE(all_close(exact_out, tanh_form, 1e-6, 1e-5));
  EXPECT_TRUE(fails_with([&] { gelu(i32_tensor({1}, {1}, device())); }, "gelu: input must be f32"));
}

// ---- attention
// -----------------------------------------------------------------------------------------------

// Every token of a sequence attends to every token of that sequence; q [T, H*D], k/v [T, KV*D].
std::vector<double> reference_attention(const std::vector<float>& q, const std::vector<float>& k,
                                        const std::vector<float>& v, const std::vector<int32_t>& offsets,
                                        int64_t heads, int64_t kv_heads, int64_t head_dim, double scale) {
  const int64_t tokens = offsets.back();
  std::vector<double> out(size_t(tokens * heads * head_dim));
  for (size_t s = 0; s + 1 < offsets.size(); ++s)
    for (int64_t t = offsets[s]; t < offsets[s + 1]; ++t)
      for (int64_t h = 0; h < heads; ++h) {
        const int64_t kv = h / (heads / kv_heads);
        std::vector<double> weights;
        double max = -INFINITY, sum = 0;
        for (int64_t j = offsets[s]; j < offsets[s + 1]; ++j) {
          double dot = 0;
          for (int64_t d = 0; d < head_dim; ++d)
            dot += double(q[size_t((t * heads + h) * head_dim + d)]) *
                   k[size_t((j * kv_heads + kv) * head_dim + d)];
          weights.push_back(dot * scale);
          max = std::max(max, weights.back());
        }
        for (double& w : weights) sum += (w = std::exp(w - max));
        for (int64_t d = 0; d < head_dim; ++d) {
          double acc = 0;
          for (int64_t j = offsets[s]; j < offsets[s + 1]; ++j)
            acc += weights[size_t(j - offsets[s])] * v[size_t((j * kv_heads + kv) * head_dim + d)];
          out[size_t((t * heads + h) * head_dim + d)] = acc / sum;
        }
      }
  return out;
}

TEST_P(EncoderOps, AttentionIsPerSequenceAndNonCausal) {
  struct Case {
    int64_t heads, kv_heads, head_dim;
    std::vector<int32_t> offsets;
  };
  const std::vector<Case> cases = {
      {4, 4, 8, {0, 5}},             // one sequence, MHA
      {4, 4, 8, {0, 3, 3, 10, 11}},  // packed, with an empty and a one-token sequence
      {6, 2, 16, {0, 7, 20}},        // grouped-query
      {2, 1, 4, {0, 40}},            // multi-query
  };
  for (const Case& c : cases) {
    const int64_t tokens = c.offsets.back();
    SCOPED_TRACE(testing::Message() << "heads " << c.heads << "/" << c.kv_heads << " tokens " << tokens);
    auto q = random_floats(size_t(tokens * c.heads * c.head_dim), 41, -2, 2);
    auto k = random_floats(size_t(tokens * c.kv_heads * c.head_dim), 42, -2, 2);
    auto v = random_floats(size_t(tokens * c.kv_heads * c.head_dim), 43);
    Tensor out = attention(f32_tensor(q, {tokens, c.heads * c.head_dim}, device()),
                           f32_tensor(k, {tokens, c.kv_heads * c.head_dim}, device()),
                           f32_tensor(v, {tokens, c.kv_heads * c.head_dim}, device()), c.head_dim, c.offsets);
    ASSERT_EQ(out.shape(), (Shape{tokens, c.heads * c.head_dim}));
    const double scale = 1 / std::sqrt(double(c.head_dim));
    EXPECT_TRUE(all_close(to_host_floats(out),
                          reference_attention(q, k, v, c.offsets, c.heads, c.kv_heads, c.head_dim, scale),
                          1e-5, 1e-4));
  }
}

TEST_P(EncoderOps, AttentionOfPackedSequencesEqualsEachAlone) {
  const int64_t heads = 2, head_dim = 8, width = heads * head_dim;
  auto q = random_floats(size_t(9 * width), 51), k = random_floats(size_t(9 * width), 52),
       v = random_floats(size_t(9 * width), 53);
  const std::vector<int32_t> packed_offsets = {0, 4, 9};
  const auto packed =
      to_host_floats(attention(f32_tensor(q, {9, width}, device()), f32_tensor(k, {9, width}, device()),
                               f32_tensor(v, {9, width}, device()), head_dim, packed_offsets));
  const std::vector<int32_t> first_only = {0, 4};
  const auto first = to_host_floats(attention(
      f32_tensor(q, {9, width}, device()).rows(0, 4), f32_tensor(k, {9, width}, device()).rows(0, 4),
      f32_tensor(v, {9, width}, device()).rows(0, 4), head_dim, first_only));
  for (size_t i = 0; i < first.size(); ++i) EXPECT_EQ(packed[i], first[i]) << i;
  // Non-causal: the first token's output depends on the last token of its sequence.
  auto v_changed = v;
  v_changed[size_t(3 * width)] += 1;
  const auto changed =
      to_host_floats(attention(f32_tensor(q, {9, width}, device()), f32_tensor(k, {9, width}, device()),
                               f32_tensor(v_changed, {9, width}, device()), head_dim, packed_offsets));
  EXPECT_NE(changed[0], packed[0]);
  EXPECT_EQ(changed[size_t(4 * width)], packed[size_t(4 * width)]);  // the other sequence does not see it
}

TEST_P(EncoderOps, AttentionErrorsSayWhatIsWrong) {
  Tensor q = f32_tensor(random_floats(5 * 16, 61), {5, 16}, device());
  Tensor kv = f32_tensor(random_floats(5 * 12, 62), {5, 12}, device());
  const std::vector<int32_t> offsets = {0, 5};
  EXPECT_TRUE(fails_with([&] { attention(q, q, q, 5, offsets); },
                         "attention: query [5, 16] is not [tokens, heads * 5]"));
  EXPECT_TRUE(fails_with([&] { attention(q, kv, kv, 4, offsets); },
                         "attention: 4 query heads is not a multiple of 3 kv heads"));
  EXPECT_TRUE(fails_with([&] { attention(q, q.rows(0, 4), q.rows(0, 4), 4, offsets); },
                         "have different token counts"));
  const std::vector<int32_t> short_offsets = {0, 4};
  EXPECT_TRUE(fails_with([&] { attention(q, q, q, 4, short_offsets); }, "end at the token count 5"));
  const std::vector<int32_t> decreasing = {0, 3, 2, 5};
  EXPECT_TRUE(fails_with([&] { attention(q, q, q, 4, decreasing); }, "sequence offsets decrease at 2"));
}

// ---- l2_normalize
// --------------------------------------------------------------------------------------------

TEST_P(EncoderOps, L2NormalizeRows) {
  std::vector<float> x = {3, 4, 0, 0, 0, 0, 1e-3f, -1e-3f};
  const auto y = to_host_floats(l2_normalize(f32_tensor(x, {4, 2}, device())));
  const double r = 1 / std::sqrt(2.0);
  EXPECT_TRUE(all_close(y, {0.6, 0.8, 0, 0, 0, 0, r, -r}, 1e-7, 1e-6));
  EXPECT_TRUE(fails_with([&] { l2_normalize(f32_tensor(x, {8}, device())); }, "l2_normalize: input"));
}

INSTANTIATE_TEST_SUITE_P(Devices, EncoderOps, ::testing::Values(Device::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace chunkwise::runtime
