// Sampler against hand-computed distributions on small logit vectors: each filter alone, their order, the
// penalties, greedy ties, seeded draws checked statistically, and raw logprobs.
#include "generate/sampler.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <map>
#include <numeric>
#include <vector>

#include "support/expect_error.h"
#include "generate/penalties.h"
#include "generate/random_generator.h"

namespace chunkwise::generate {
namespace {

using chunkwise::testing::expect_error;

constexpr float kInf = std::numeric_limits<float>::infinity();

SamplingParams seeded(uint64_t seed = 0) {
  SamplingParams params;
  params.seed = seed;
  return params;
}

std::vector<TokenProbability> distribution(const SamplingParams& params, const std::vector<float>& logits,
                                           const TokenHistory& history = {}) {
  return Sampler(params).distribution(logits, history);
}

// Softmax of logits / temperature over `tokens` only: the renormalized distribution a filter leaves.
std::map<int32_t, double> softmax_over(const std::vector<float>& logits, const std::vector<int32_t>& tokens,
                                       double temperature = 1) {
  std::map<int32_t, double> p;
  double total = 0;
  for (int32_t t : tokens) total += p[t] = std::exp(logits[t] / temperature);
  for (auto& [t, value] : p) value /= total;
  return p;
}

void expect_distribution(const std::vector<TokenProbability>& actual,
                         const std::map<int32_t, double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  auto e = expected.begin();
  for (const TokenProbability& a : actual) {
    EXPECT_EQ(a.token, e->first);
    EXPECT_NEAR(a.probability, e->second, 1e-9) << "token " << a.token;
    ++e;
  }
}

// ---- greedy

TEST(SamplingGreedy, TakesTheArgmaxFirstIndexOnTies) {
  SamplingParams params;
  params.temperature = 0;
  Sampler sampler(params);
  const std::vector<float> logits = {1, 3, 3, 2};
  for (int i = 0; i < 5; ++i) EXPECT_EQ(sampler.sample(logits, {}).token, 1);
  expect_distribution(sampler.distribution(logits, {}), {{1, 1.0}});
}

TEST(SamplingGreedy, FiltersDoNotApplyPenaltiesDo) {
  SamplingParams params;
  params.temperature = 0;
  params.top_k = 1;
  params.min_p = 1;
  params.repetition_penalty = 2;
  const std::vector<float> logits = {2, 1.5f, -1};
  EXPECT_EQ(Sampler(params).sample(logits, {}).token, 0);
  const std::vector<int32_t> prompt = {0};
  EXPECT_EQ(Sampler(params).sample(logits, TokenHistory(prompt)).token, 1);  // 2 / 2 = 1 < 1.5
}

TEST(SamplingGreedy, BrokenLogitsAreInternalErrorsEmptyOnesInvalid) {
  SamplingParams params;
  params.temperature = 0;
  Sampler sampler(params);
  const std::vector<float> nan = {0, std::numeric_limits<float>::quiet_NaN()};
  expect_error([&] { sampler.sample(nan, {}); }, ErrorKind::internal, "logit of token 1 is NaN");
  const std::vector<float> all_masked = {-kInf, -kInf};
  expect_error([&] { sampler.sample(all_masked, {}); }, ErrorKind::internal, "every logit is -inf");
  expect_error([&] { Sampler(seeded()).sample({}, {}); }, ErrorKind::invalid_input, "empty");
}

// ---- penalties

TEST(SamplingPenalties, RepetitionDividesPositiveAndMultipliesNegativeLogits) {
  SamplingParams params;
  params.repetition_penalty = 2;
  std::vector<float> logits = {2, -2, 1, 0.5f, 0};
  const std::vector<int32_t> prompt = {0, 1, 4, 0, 0};
  apply_penalties(params, TokenHistory(prompt), logits);
  EXPECT_EQ(logits, (std::vector<float>{1, -4, 1, 0.5f, 0}));
}

TEST(SamplingPenalties, RepetitionAppliesOncePerTokenOverPromptAndGenerated) {
  SamplingParams params;
  params.repetition_penalty = 2;
  std::vector<float> logits = {8, 8, 8};
  const std::vector<int32_t> prompt = {0, 0};
  TokenHistory history(prompt);
  history.add_generated(0);
  history.add_generated(1);
  history.add_generated(1);
  apply_penalties(params, history, logits);
  EXPECT_EQ(logits, (std::vector<float>{4, 4, 8}));
}

TEST(SamplingPenalties, PresenceAndFrequencyCountGeneratedTokensOnly) {
  SamplingParams params;
  params.frequency_penalty = 0.5f;
  params.presence_penalty = 0.25f;
  std::vector<float> logits = {1, 1, 1, 1};
  const std::vector<int32_t> prompt = {3};
  TokenHistory history(prompt);
  for (int32_t token : {0, 0, 1}) history.add_generated(token);
  apply_penalties(params, history, logits);
  // token 0: 1 - 2 × 0.5 - 0.25; token 1: 1 - 0.5 - 0.25; token 3 is in the prompt only.
  EXPECT_EQ(logits, (std::vector<float>{-0.25f, 0.25f, 1, 1}));
  EXPECT_EQ(history.generated_count(), 3);
}

TEST(SamplingPenalties, RepetitionComesBeforePresenceAndFrequency) {
  SamplingParams params;
  params.repetition_penalty = 2;
  params.presence_penalty = 0.5f;
  params.frequency_penalty = 1;
  std::vector<float> logits = {-1, 1};
  TokenHistory history;
  history.add_generated(0);
  history.add_generated(1);
  apply_penalties(params, history, logits);
  EXPECT_EQ(logits,
            (std::vector<float>{-1 * 2 - 1.5f, 1.0f / 2 - 1.5f}));  // not (-1 - 1.5) × 2, (1 - 1.5) × 2
}

TEST(SamplingPenalties, NegativePenaltiesEncourageRepetition) {
  SamplingParams params;
  params.presence_penalty = -1;
  std::vector<float> logits = {0, 0};
  TokenHistory history;
  history.add_generated(1);
  apply_penalties(params, history, logits);
  EXPECT_EQ(logits, (std::vector<float>{0, 1}));
}

TEST(SamplingPenalties, TokenOutsideTheVocabularyIsInvalidInput) {
  SamplingParams params = seeded();
  params.repetition_penalty = 1.1f;
  const std::vector<int32_t> prompt = {1, 7};
  const std::vector<float> logits = {0, 0, 0};
  expect_error([&] { Sampler(params).sample(logits, TokenHistory(prompt)); }, ErrorKind::invalid_input,
               "token 7 of the sequence is outside the vocabulary of 3 logits");
}

TEST(SamplingPenalties, ShapeTheSampledDistribution) {
  SamplingParams params = seeded();
  params.frequency_penalty = 1;
  const std::vector<float> logits = {1, 1};
  TokenHistory history;
  history.add_generated(0);
  expect_distribution(distribution(params, logits, history), softmax_over({0, 1}, {0, 1}));
}

// ---- temperature, top-k, top-p, min-p

TEST(SamplingTemperature, DividesLogits) {
  const std::vector<float> logits = {0, 1.5f, -0.5f};
  for (float temperature : {0.25f, 1.0f, 2.0f}) {
    SamplingParams params = seeded();
    params.temperature = temperature;
    expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1, 2}, temperature));
  }
}

TEST(SamplingTopK, KeepsTheKLargestRenormalized) {
  SamplingParams params = seeded();
  params.top_k = 2;
  const std::vector<float> logits = {1, 4, 3, 2};
  expect_distribution(distribution(params, logits), softmax_over(logits, {1, 2}));
  params.top_k = 1;
  expect_distribution(distribution(params, logits), {{1, 1.0}});
}

TEST(SamplingTopK, KeepsEveryTokenTiedWithTheKth) {  // transformers and vLLM compare with the k-th value
  SamplingParams params = seeded();
  params.top_k = 2;
  const std::vector<float> logits = {1, 3, 2, 2};
  expect_distribution(distribution(params, logits), softmax_over(logits, {1, 2, 3}));
}

TEST(SamplingTopK, OffWhenZeroMinusOneOrAtLeastTheVocabulary) {
  const std::vector<float> logits = {1, 4, 3, 2};
  for (int k : {0, -1, 4, 100}) {
    SamplingParams params = seeded();
    params.top_k = k;
    expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1, 2, 3}));
  }
}

TEST(SamplingTopP, KeepsTheSmallestSetReachingTopP) {
  const std::vector<float> logits = {0, 3, 1, 2};  // probabilities 0.032, 0.644, 0.087, 0.237
  SamplingParams params = seeded();
  params.top_p = 0.5f;
  expect_distribution(distribution(params, logits), {{1, 1.0}});
  params.top_p = 0.7f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {1, 3}));
  params.top_p = 0.9f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {1, 2, 3}));
  params.top_p = 0.99f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1, 2, 3}));
  params.top_p = 1e-6f;  // always at least one
  expect_distribution(distribution(params, logits), {{1, 1.0}});
}

TEST(SamplingTopP, ExactBoundaryStopsAtTheTokenThatReachesIt) {
  const std::vector<float> logits = {0, 0, 0, 0};  // 0.25 each, exact in binary
  SamplingParams params = seeded();
  params.top_p = 0.5f;  // two tokens reach 0.5: the third is not needed; ties go to the lower id
  expect_distribution(distribution(params, logits), {{0, 0.5}, {1, 0.5}});
  params.top_p = 0.25f;
  expect_distribution(distribution(params, logits), {{0, 1.0}});
  params.top_p = 0.2501f;
  expect_distribution(distribution(params, logits), {{0, 0.5}, {1, 0.5}});
}

TEST(SamplingTopP, SortsOnlyAsFarAsNeededAndAgreesWithAFullSort) {
  // 150k logits, a few hundred likely ones: the partial sort grows (64, 512, 4096, ...) as the mass needs.
  RandomGenerator random(3);
  std::vector<float> logits(150000);
  for (size_t i = 0; i < logits.size(); ++i) {
    const double u = random.next_double();
    logits[i] = static_cast<float>(i % 401 == 0 ? 8 + 4 * u : 8 * u);
  }
  std::vector<int32_t> order(logits.size());
  std::iota(order.begin(), order.end(), 0);
  std::ranges::sort(order, [&](int32_t a, int32_t b) {
    return logits[a] > logits[b] || (logits[a] == logits[b] && a < b);
  });
  const float max_logit = logits[order[0]];
  double total = 0;
  for (float logit : logits) total += std::exp(double{logit} - max_logit);
  for (float top_p : {0.01f, 0.3f, 0.9f, 0.999f}) {
    std::vector<int32_t> kept;
    double mass = 0;
    for (int32_t token : order) {
      if (mass >= double{top_p} * total) break;
      kept.push_back(token);
      mass += std::exp(double{logits[token]} - max_logit);
    }
    SamplingParams params = seeded();
    params.top_p = top_p;
    const std::vector<TokenProbability> actual = distribution(params, logits);
    std::ranges::sort(kept);
    ASSERT_EQ(actual.size(), kept.size()) << "top_p " << top_p;
    for (size_t i = 0; i < kept.size(); ++i) ASSERT_EQ(actual[i].token, kept[i]);
  }
}

TEST(SamplingTopP, ManyEqualTokens) {
  SamplingParams params = seeded();
  params.top_p = 0.5f;
  const std::vector<float> logits(1000, 1.0f);
  const std::vector<TokenProbability> actual = distribution(params, logits);
  ASSERT_EQ(actual.size(), 500u);
  EXPECT_EQ(actual.front().token, 0);
  EXPECT_EQ(actual.back().token, 499);
  EXPECT_NEAR(actual.front().probability, 1.0 / 500, 1e-12);
}

TEST(SamplingMinP, DropsTokensBelowMinPTimesTheLargestProbability) {
  const std::vector<float> logits = {0, std::log(0.5f), std::log(0.1f), std::log(0.05f)};
  SamplingParams params = seeded();
  params.min_p = 0.2f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1}));
  params.min_p = 0.08f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1, 2}));
  params.min_p = 1;
  expect_distribution(distribution(params, logits), {{0, 1.0}});
}

TEST(SamplingMinP, ComparesProbabilitiesAfterTemperature) {
  const std::vector<float> logits = {0, std::log(0.5f), std::log(0.1f), std::log(0.05f)};
  SamplingParams params = seeded();
  params.temperature = 2;  // relative probabilities 1, 0.71, 0.32, 0.22
  params.min_p = 0.3f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1, 2}, 2));
}

TEST(SamplingMinP, KeepsTokensTiedWithTheMostLikely) {
  SamplingParams params = seeded();
  params.min_p = 1;
  expect_distribution(distribution(params, {2, 1, 2}), {{0, 0.5}, {2, 0.5}});
}

TEST(SamplingOrder, TopPRenormalizesOverWhatTopKLeft) {
  const std::vector<float> logits = {3, 2, 1, 0};
  SamplingParams params = seeded();
  params.top_p = 0.9f;
  // Over all four, tokens 0 and 1 hold 0.881 < 0.9, so token 2 stays; over the top 3 they hold 0.910.
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1, 2}));
  params.top_k = 3;
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1}));
}

TEST(SamplingOrder, TemperatureBeforeTopP) {
  const std::vector<float> logits = {2, 1, 0};  // T = 1: 0.665, 0.245; T = 0.5: 0.867, 0.117
  SamplingParams params = seeded();
  params.top_p = 0.8f;
  expect_distribution(distribution(params, logits), softmax_over(logits, {0, 1}));
  params.temperature = 0.5f;
  expect_distribution(distribution(params, logits), {{0, 1.0}});
}

TEST(SamplingOrder, MaskedTokensAreNeverCandidates) {
  Sampler sampler(seeded());
  const std::vector<float> logits = {-kInf, 0, -kInf};
  for (int i = 0; i < 20; ++i) EXPECT_EQ(sampler.sample(logits, {}).token, 1);
  expect_distribution(sampler.distribution(logits, {}), {{1, 1.0}});
}

// ---- draws

// Pearson's chi-square of `draws` seeded draws against distribution(). With 3 degrees of freedom the
// statistic exceeds 30 with probability 1e-6; the seed is fixed, so this either always passes or never does.
double chi_square(const SamplingParams& params, const std::vector<float>& logits, int draws) {
  Sampler sampler(params);
  const std::vector<TokenProbability> expected = sampler.distribution(logits, {});
  std::map<int32_t, int> counts;
  for (int i = 0; i < draws; ++i) ++counts[sampler.sample(logits, {}).token];
  double statistic = 0;
  for (const TokenProbability& e : expected) {
    const double want = e.probability * draws;
    statistic += (counts[e.token] - want) * (counts[e.token] - want) / want;
    counts.erase(e.token);
  }
  EXPECT_TRUE(counts.empty()) << "drew a token outside the distribution";
  return statistic;
}

TEST(SamplingDraws, FollowTheDistribution) {
  SamplingParams params = seeded(1234);
  params.temperature = 0.8f;
  EXPECT_LT(chi_square(params, {1, 2, 0.5f, 3}, 40000), 30);
  params.temperature = 3;
  EXPECT_LT(chi_square(params, {1, 2, 0.5f, 3}, 40000), 30);
  params = seeded(99);
  params.top_k = 4;  // the ten-token vocabulary is cut to four, so 3 degrees of freedom again
  EXPECT_LT(chi_square(params, {0, 1, 2, 3, 4, 5, 6, 7, 8, 9}, 40000), 30);
}

TEST(SamplingDraws, SameSeedSameSequence) {
  std::vector<float> logits(100);
  for (size_t i = 0; i < logits.size(); ++i) logits[i] = static_cast<float>(i % 7) * 0.3f;
  const auto generate = [&](uint64_t seed) {
    SamplingParams params = seeded(seed);
    params.top_p = 0.9f;
    params.repetition_penalty = 1.2f;
    Sampler sampler(params);
    TokenHistory history;
    std::vector<int32_t> tokens;
    for (int i = 0; i < 200; ++i) {
      tokens.push_back(sampler.sample(logits, history).token);
      history.add_generated(tokens.back());
    }
    return tokens;
  };
  EXPECT_EQ(generate(5), generate(5));
  EXPECT_NE(generate(5), generate(6));
}

// ---- logprobs

double log_sum_exp(const std::vector<float>& logits) {
  double sum = 0;
  for (float logit : logits) sum += std::exp(double{logit});
  return std::log(sum);
}

TEST(SamplingLogprobs, AreOfTheRawDistributionWhateverTheFilters) {
  const std::vector<float> logits = {1, 2, 3, 0};
  const double lse = log_sum_exp(logits);
  SamplingParams params = seeded();
  params.logprobs = 2;
  params.temperature = 0.5f;
  params.top_k = 1;
  params.repetition_penalty = 3;
  const SampledToken sampled = Sampler(params).sample(logits, {});
  EXPECT_EQ(sampled.token, 2);
  ASSERT_TRUE(sampled.logprob.has_value());
  EXPECT_NEAR(*sampled.logprob, 3 - lse, 1e-6);
  ASSERT_EQ(sampled.top_logprobs.size(), 2u);
  EXPECT_EQ(sampled.top_logprobs[0].token, 2);
  EXPECT_NEAR(sampled.top_logprobs[0].logprob, 3 - lse, 1e-6);
  EXPECT_EQ(sampled.top_logprobs[1].token, 1);
  EXPECT_NEAR(sampled.top_logprobs[1].logprob, 2 - lse, 1e-6);
}

TEST(SamplingLogprobs, OfTheWholeVocabularySumToOne) {
  const std::vector<float> logits = {0.3f, -2, 5, 1, 1};
  SamplingParams params = seeded();
  params.logprobs = 20;  // more than the vocabulary: all of it
  const SampledToken sampled = Sampler(params).sample(logits, {});
  ASSERT_EQ(sampled.top_logprobs.size(), logits.size());
  double sum = 0;
  for (const TokenLogprob& t : sampled.top_logprobs) sum += std::exp(double{t.logprob});
  EXPECT_NEAR(sum, 1, 1e-6);
  // Most likely first, ties by lower id.
  const std::vector<int32_t> order = {2, 3, 4, 0, 1};
  for (size_t i = 0; i < order.size(); ++i) EXPECT_EQ(sampled.top_logprobs[i].token, order[i]);
}

TEST(SamplingLogprobs, NoneZeroOrTopN) {
  const std::vector<float> logits = {0, 1};
  SamplingParams params = seeded();
  SampledToken sampled = Sampler(params).sample(logits, {});
  EXPECT_FALSE(sampled.logprob.has_value());
  EXPECT_TRUE(sampled.top_logprobs.empty());
  params.logprobs = 0;
  sampled = Sampler(params).sample(logits, {});
  ASSERT_TRUE(sampled.logprob.has_value());
  EXPECT_NEAR(*sampled.logprob, logits[sampled.token] - log_sum_exp(logits), 1e-6);
  EXPECT_TRUE(sampled.top_logprobs.empty());
}

TEST(SamplingLogprobs, MaskedTokensHaveMinusInfinity) {
  SamplingParams params = seeded();
  params.logprobs = 2;
  const std::vector<float> logits = {-kInf, 0};
  const SampledToken sampled = Sampler(params).sample(logits, {});
  EXPECT_EQ(sampled.token, 1);
  EXPECT_EQ(*sampled.logprob, 0);
  EXPECT_EQ(sampled.top_logprobs[1].logprob, -kInf);
}

}  // namespace
}  // namespace chunkwise::generate
