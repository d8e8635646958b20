// Selection strategies on constructed score lists: MMR's trade-off and its similarity sources, SAGE's cut at
// a sharp drop, METEORA's elbow and neighbour expansion, CORAG's beam search against exhaustive search, and
// that every strategy keeps to top_k and the token budget.
#include "retrieve/selector.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <set>

#include "common/error.h"
#include "support/expect_error.h"

namespace chunkwise::retrieve {
namespace {

using chunkwise::testing::expect_error;

// Hits with these scores (ids 0, 1, ... in the given order), 10 tokens each, texts "t<id>".
std::vector<SearchHit> hits_with_scores(const std::vector<double>& scores) {
  std::vector<SearchHit> hits(scores.size());
  for (size_t i = 0; i < scores.size(); ++i) {
    hits[i].chunk_id = static_cast<int64_t>(i);
    hits[i].document_id = 1;
    hits[i].ordinal = static_cast<int64_t>(10 * i + 10);
    hits[i].score = scores[i];
    hits[i].token_count = 10;
    hits[i].text = fmt::format("t{}", i);
  }
  return hits;
}

std::vector<int64_t> ids(const std::vector<SearchHit>& hits) {
  std::vector<int64_t> out;
  for (const SearchHit& hit : hits) out.push_back(hit.chunk_id);
  return out;
}

TEST(Similarity, EmbeddingsWhenBothHaveThemElseWordOverlap) {
  SearchHit a, b;
  a.text = "The cat sat";
  b.text = "the CAT ran";
  EXPECT_DOUBLE_EQ(similarity(a, b), 2.0 / 4.0);  // {the, cat} of {the, cat, sat, ran}
  a.embedding = {1, 0};
  EXPECT_DOUBLE_EQ(similarity(a, b), 0.5);  // only one has an embedding
  b.embedding = {0.6f, 0.8f};
  EXPECT_NEAR(similarity(a, b), 0.6, 1e-7);
  const auto relevance = relevance_of(hits_with_scores({4, 2, 3}));
  EXPECT_THAT(relevance, ::testing::ElementsAre(1.0, 0.0, 0.5));
  EXPECT_THAT(relevance_of(hits_with_scores({2, 2})), ::testing::ElementsAre(1.0, 1.0));
}

TEST(Mmr, TradesRelevanceForNovelty) {
  auto hits = hits_with_scores({1.0, 0.95, 0.9, 0.2});
  hits[0].embedding = {1, 0, 0};
  hits[1].embedding = {1, 0, 0};  // a duplicate of the best
  hits[2].embedding = {0, 1, 0};
  hits[3].embedding = {0, 0, 1};
  EXPECT_THAT(ids(MmrSelector(1.0).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 1, 2));
  EXPECT_THAT(ids(MmrSelector(0.5).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 2, 3));
  // Without embeddings the word overlap says the same.
  auto texts = hits_with_scores({1.0, 0.95, 0.9});
  texts[0].text = "install the package with apt";
  texts[1].text = "install the package with apt please";
  texts[2].text = "configure network bridges";
  EXPECT_THAT(ids(MmrSelector(0.5).select(texts, {.top_k = 2, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 2));
  EXPECT_THAT(ids(MmrSelector(0.9).select(texts, {.top_k = 2, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 1));
}

TEST(Mmr, PassesOverWhatDoesNotFit) {
  auto hits = hits_with_scores({1.0, 0.9, 0.8});
  hits[1].token_count = 100;
  EXPECT_THAT(ids(MmrSelector(1.0).select(hits, {.top_k = 3, .token_budget = 25})),
              ::testing::ElementsAre(0, 2));
}

TEST(Sage, CutsAtTheFirstSharpDrop) {
  const SageSelector sage(0.5, 0.5);
  EXPECT_EQ(sage.cut({10, 9, 8.5, 3, 2.9, 2.8}), 3u);  // 3 < 0.5 * 8.5
  EXPECT_EQ(sage.cut({10, 9.5, 9, 8.5, 8}), 5u);       // a steady decline: no cut
  EXPECT_EQ(sage.cut({0.9, 0.88, 0.5, 0.49}), 2u);     // gap 0.38 > 0.5 * 0.41
  EXPECT_EQ(sage.cut({-1, -1.1, -5}), 2u);             // negative scores: only the gap applies
  EXPECT_EQ(sage.cut({5}), 1u);
  EXPECT_EQ(sage.cut({}), 0u);
  EXPECT_EQ(SageSelector(0.1, 1.0).cut({10, 9, 8.5, 3, 2.9}), 5u);  // looser thresholds keep everything
  EXPECT_THAT(
      ids(sage.select(hits_with_scores({10, 9, 8.5, 3, 2.9}), {.top_k = 10, .token_budget = std::nullopt})),
      ::testing::ElementsAre(0, 1, 2));
  EXPECT_THAT(ids(sage.select(hits_with_scores({10, 9, 8.5, 3, 2.9}), {.top_k = 10, .token_budget = 20})),
              ::testing::ElementsAre(0, 1));
  // Unsorted input is sorted first.
  EXPECT_THAT(ids(sage.select(hits_with_scores({3, 10, 9}), {.top_k = 10, .token_budget = std::nullopt})),
              ::testing::ElementsAre(1, 2));
}

TEST(Meteora, ElbowOfTheSortedScores) {
  // A sharp knee after the third score: the elbow is 0.2, the first of the tail.
  EXPECT_EQ(MeteoraSelector::elbow({1.0, 0.95, 0.9, 0.2, 0.15, 0.1, 0.05}), 3u);
  EXPECT_EQ(MeteoraSelector::elbow({1.0, 0.3, 0.25, 0.2, 0.15}), 1u);
  // A straight line or a concave curve has no point below its chord: everything is kept.
  EXPECT_EQ(MeteoraSelector::elbow({4, 3, 2, 1}), 4u);
  EXPECT_EQ(MeteoraSelector::elbow({1.0, 0.99, 0.97, 0.5}), 4u);
  EXPECT_EQ(MeteoraSelector::elbow({2, 2, 2}), 3u);
  EXPECT_EQ(MeteoraSelector::elbow({2, 1}), 2u);
}

TEST(Meteora, AddsNeighboursNextToTheirChunkWithinTheLimits) {
  // Chunk i is ordinal 10 i + 10 of document 1; neighbours are made up with ids 100 + ordinal.
  std::vector<std::pair<int64_t, int64_t>> asked;
  NeighbourLookup lookup = [&](int64_t document, int64_t ordinal) -> std::optional<SearchHit> {
    asked.emplace_back(document, ordinal);
    if (ordinal == 19) return std::nullopt;  // the second hit has no previous chunk
    SearchHit hit;
    hit.chunk_id = 100 + ordinal;
    hit.document_id = document;
    hit.ordinal = ordinal;
    hit.token_count = 5;
    return hit;
  };
  const auto hits = hits_with_scores({1.0, 0.95, 0.2, 0.15, 0.1});
  const auto selected = MeteoraSelector(lookup).select(hits, {.top_k = 10, .token_budget = std::nullopt});
  EXPECT_THAT(ids(selected), ::testing::ElementsAre(109, 0, 111, 1, 121));
  EXPECT_EQ(selected[0].neighbour_of, 0);
  EXPECT_EQ(selected[1].neighbour_of, std::nullopt);
  EXPECT_EQ(selected[0].score, 1.0);
  // The budget: 2 chunks of 10 tokens, then room for one 5-token neighbour.
  EXPECT_THAT(ids(MeteoraSelector(lookup).select(hits, {.top_k = 10, .token_budget = 25})),
              ::testing::ElementsAre(109, 0, 1));
  EXPECT_THAT(ids(MeteoraSelector(lookup).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
              ::testing::ElementsAre(109, 0, 1));
  EXPECT_THAT(ids(MeteoraSelector(nullptr).select(hits, {.top_k = 10, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 1));
}

// Exhaustive search over all subsets, for comparison.
CoragSelector::Choice exhaustive(const std::vector<double>& relevance, const std::vector<double>& similarity,
                                 const std::vector<size_t>& costs, const SelectionLimits& limits,
                                 double lambda) {
  const size_t n = relevance.size();
  CoragSelector::Choice best;
  for (uint32_t mask = 1; mask < (1u << n); ++mask) {
    std::vector<size_t> set;
    size_t tokens = 0;
    for (size_t i = 0; i < n; ++i)
      if (mask & (1u << i)) set.push_back(i), tokens += costs[i];
    if (set.size() > limits.top_k || (limits.token_budget && tokens > *limits.token_budget)) continue;
    const double value = CoragSelector::objective(set, relevance, similarity, lambda);
    if (value > best.objective + 1e-12) best = {set, value};
  }
  return best;
}

struct Instance {
  std::vector<double> relevance, similarity;
  std::vector<size_t> costs;
};

Instance random_instance(std::mt19937& random, size_t n) {
  std::uniform_real_distribution<double> unit(0, 1);
  std::uniform_int_distribution<size_t> cost(5, 40);
  Instance in;
  for (size_t i = 0; i < n; ++i) in.relevance.push_back(unit(random)), in.costs.push_back(cost(random));
  in.similarity.assign(n * n, 1.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) in.similarity[i * n + j] = in.similarity[j * n + i] = unit(random);
  return in;
}

TEST(Corag, AWideEnoughBeamIsExhaustive) {
  std::mt19937 random(7);
  for (int round = 0; round < 30; ++round) {
    const size_t n = 8;
    const Instance in = random_instance(random, n);
    const SelectionLimits limits{.top_k = 5, .token_budget = 80};
    const auto exact = exhaustive(in.relevance, in.similarity, in.costs, limits, 0.5);
    // C(8, 4) = 70 sets of one size at most: a beam of 70 keeps them all.
    const auto beam = CoragSelector(0.5, 70).search(in.relevance, in.similarity, in.costs, limits);
    EXPECT_EQ(beam.indices, exact.indices) << "round " << round;
    EXPECT_NEAR(beam.objective, exact.objective, 1e-12);
  }
}

TEST(Corag, TheDefaultBeamComesCloseToTheOptimum) {
  std::mt19937 random(11);
  int optimal = 0;
  const int rounds = 40;
  for (int round = 0; round < rounds; ++round) {
    const size_t n = 12;
    const Instance in = random_instance(random, n);
    const SelectionLimits limits{.top_k = 6, .token_budget = 100};
    const auto exact = exhaustive(in.relevance, in.similarity, in.costs, limits, 0.5);
    const auto beam = CoragSelector(0.5, 32).search(in.relevance, in.similarity, in.costs, limits);
    size_t tokens = 0;
    for (const size_t i : beam.indices) tokens += in.costs[i];
    EXPECT_LE(tokens, 100u);
    EXPECT_LE(beam.indices.size(), 6u);
    EXPECT_NEAR(beam.objective, CoragSelector::objective(beam.indices, in.relevance, in.similarity, 0.5),
                1e-12);
    EXPECT_LE(beam.objective, exact.objective + 1e-12);
    EXPECT_GE(beam.objective, 0.95 * exact.objective) << "round " << round;
    optimal += beam.objective >= exact.objective - 1e-12;
  }
  EXPECT_GE(optimal, rounds * 9 / 10);
}

TEST(Corag, SkipsRedundantChunksAndIsDeterministic) {
  auto hits = hits_with_scores({1.0, 0.98, 0.6, 0.0});
  hits[0].embedding = {1, 0};
  hits[1].embedding = {1, 0};
  hits[2].embedding = {0, 1};
  hits[3].embedding = {0.7f, 0.7f};
  // lambda 1: the duplicate adds 0.98 - 1 < 0; lambda 0.5: it still adds 0.48.
  EXPECT_THAT(ids(CoragSelector(1.0).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 2));
  EXPECT_THAT(ids(CoragSelector(0.5).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 1, 2));
  EXPECT_THAT(ids(CoragSelector(0.0).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
              ::testing::ElementsAre(0, 1, 2));
  EXPECT_THAT(ids(CoragSelector(0.0).select(hits, {.top_k = 3, .token_budget = 15})),
              ::testing::ElementsAre(0));
  EXPECT_EQ(ids(CoragSelector(0.5).select(hits, {.top_k = 3, .token_budget = std::nullopt})),
            ids(CoragSelector(0.5).select(hits, {.top_k = 3, .token_budget = std::nullopt})));
  EXPECT_TRUE(CoragSelector(0.5).select({}, {.top_k = 3, .token_budget = std::nullopt}).empty());
}

TEST(Selectors, EveryOneKeepsToTheLimits) {
  std::mt19937 random(3);
  std::uniform_real_distribution<double> unit(0, 1);
  std::vector<double> scores;
  for (int i = 0; i < 30; ++i) scores.push_back(unit(random));
  std::sort(scores.rbegin(), scores.rend());
  auto hits = hits_with_scores(scores);
  for (auto& hit : hits) hit.token_count = 5 + static_cast<int64_t>(unit(random) * 30);
  SelectorOptions options;
  options.neighbours = [](int64_t document, int64_t ordinal) -> std::optional<SearchHit> {
    SearchHit hit;
    hit.chunk_id = 1000 + ordinal;
    hit.document_id = document;
    hit.ordinal = ordinal;
    hit.token_count = 7;
    return hit;
  };
  for (const char* name : {"top-k", "mmr", "sage", "meteora", "corag"})
    for (const size_t budget : {0, 20, 60, 200, 100000})
      for (const size_t k : {1, 3, 10}) {
        const auto selected =
            make_selector(name, options)->select(hits, {.top_k = k, .token_budget = budget});
        size_t tokens = 0;
        std::set<int64_t> unique;
        for (const SearchHit& hit : selected) tokens += size_t(hit.token_count), unique.insert(hit.chunk_id);
        EXPECT_LE(tokens, budget) << name;
        EXPECT_LE(selected.size(), k) << name;
        EXPECT_EQ(unique.size(), selected.size()) << name;
        if (budget == 100000) {
          EXPECT_FALSE(selected.empty()) << name;
        }
      }
}

TEST(Selectors, NonFiniteScoresAndVectorsAreSafe) {
  const double nan = std::nan(""), inf = std::numeric_limits<double>::infinity();
  auto hits = hits_with_scores({nan, 2.0, inf, -inf, 1.0, nan});
  hits[0].embedding = {std::nanf(""), 1};
  hits[1].embedding = {1, 0};
  EXPECT_THAT(relevance_of(hits), ::testing::ElementsAre(0.0, 1.0, 1.0, 0.0, 0.0, 0.0));
  EXPECT_EQ(similarity(hits[0], hits[1]), 0.0);  // a broken vector is unrelated to everything
  for (const char* name : {"top-k", "mmr", "sage", "meteora", "corag"}) {
    const auto selected = make_selector(name)->select(hits, {.top_k = 4, .token_budget = 30});
    EXPECT_LE(selected.size(), 3u) << name;
  }
  // Sorted for sage and meteora: NaN last, +inf first.
  EXPECT_EQ(SageSelector(0.0, 1.0).select(hits, {.top_k = 6, .token_budget = std::nullopt})[0].chunk_id, 2);
}

TEST(Selectors, NamesAndOptionsAreChecked) {
  expect_error([] { make_selector("best"); }, ErrorKind::invalid_input, "top-k, mmr, sage, meteora, corag");
  SelectorOptions options;
  options.mmr_lambda = 1.5;
  expect_error([&] { make_selector("mmr", options); }, ErrorKind::invalid_input, "MMR lambda 1.5");
  options = {};
  options.sage_min_ratio = -0.1;
  expect_error([&] { make_selector("sage", options); }, ErrorKind::invalid_input, "ratio");
  options = {};
  options.corag_beam_width = 0;
  expect_error([&] { make_selector("corag", options); }, ErrorKind::invalid_input, "beam width");
  for (const char* name : {"top-k", "mmr", "sage", "meteora", "corag"})
    EXPECT_NE(make_selector(name), nullptr);
}

}  // namespace
}  // namespace chunkwise::retrieve
