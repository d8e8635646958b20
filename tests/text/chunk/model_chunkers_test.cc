// The semantic and perplexity chunkers' decisions, with small fake models whose outputs are known: where
// chunks end, the size limit, offsets, and the errors for missing models and bad settings.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "support/expect_error.h"
#include "text/chunk/chunker.h"
#include "text/chunk/perplexity_chunker.h"
#include "text/chunk/semantic_chunker.h"

namespace chunkwise::text {
namespace {

using chunkwise::testing::expect_error;

// Three topics, four sentences each.
const std::string kDocument =
    "The cat sleeps on the mat. A cat likes warm places. Every cat purrs. My cat is grey.\n\n"
    "The rocket left the pad. A rocket needs fuel. The rocket reached orbit. Its rocket stage fell back.\n\n"
    "Fresh bread smells good. Bread needs flour. We bake bread daily. Bread goes stale fast.";

size_t count_of(std::string_view text, std::string_view word) {
  size_t n = 0;
  for (size_t at = text.find(word); at != std::string_view::npos; at = text.find(word, at + 1)) ++n;
  return n;
}

// A vector of keyword counts: texts about one topic point the same way.
class TopicEncoder : public SentenceEncoder {
 public:
  std::vector<std::vector<float>> embed(std::span<const std::string> texts) const override {
    ++calls;
    std::vector<std::vector<float>> out;
    for (const std::string& t : texts)
      out.push_back({float(count_of(t, "cat")), float(count_of(t, "rocket")), float(count_of(t, "read"))});
    if (drop_one && !out.empty()) out.pop_back();
    return out;
  }
  std::string describe() const override { return "topics"; }
  mutable int calls = 0;
  bool drop_one = false;
};

// Low surprise inside a topic, high at the first sentence of a new one (after the first topic).
class TopicScorer : public PerplexityScorer {
 public:
  std::vector<double> log_perplexities(std::string_view text, std::span<const Span> units) const override {
    std::vector<double> values;
    std::string previous_topic;
    for (const Span& unit : units) {
      const std::string_view s = text.substr(unit.begin, unit.end - unit.begin);
      const std::string topic = count_of(s, "cat") ? "cat" : count_of(s, "rocket") ? "rocket" : "bread";
      values.push_back(
          topic != previous_topic && !previous_topic.empty() ? 4.0 : 2.0 - 0.1 * double(values.size() % 4));
      previous_topic = topic;
    }
    return values;
  }
  std::string describe() const override { return "topic-scorer"; }
};

std::vector<std::string> texts_of(const std::vector<Chunk>& chunks) {
  std::vector<std::string> out;
  for (const Chunk& c : chunks) out.push_back(c.text);
  return out;
}

void expect_slices_source(const std::vector<Chunk>& chunks, const std::string& source) {
  size_t previous_end = 0;
  for (const Chunk& c : chunks) {
    EXPECT_EQ(c.text, source.substr(c.begin, c.end - c.begin));
    EXPECT_GE(c.begin, previous_end);  // in order, no overlap
    previous_end = c.end;
  }
}

TEST(Percentile, InterpolatesLinearlyAsNumpy) {
  EXPECT_DOUBLE_EQ(percentile({1, 2, 3, 4}, 50), 2.5);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 0), 1);
  EXPECT_DOUBLE_EQ(percentile({4, 1, 3, 2}, 100), 4);
  EXPECT_DOUBLE_EQ(percentile({0, 10}, 95), 9.5);
  EXPECT_DOUBLE_EQ(percentile({7}, 95), 7);
}

TEST(ConsecutiveDistances, CosineAndBrokenVectors) {
  const auto d = consecutive_distances({{1, 0}, {1, 0}, {0, 1}, {0, 0}, {1, 1}, {1}});
  ASSERT_EQ(d.size(), 5u);
  EXPECT_NEAR(d[0], 0.0, 1e-12);
  EXPECT_NEAR(d[1], 1.0, 1e-12);
  EXPECT_DOUBLE_EQ(d[2], 1.0);  // zero vector: unrelated
  EXPECT_DOUBLE_EQ(d[3], 1.0);
  EXPECT_DOUBLE_EQ(d[4], 1.0);  // other dimension
}

TEST(SemanticChunker, EndsChunksWhereTheTopicChanges) {
  auto encoder = std::make_shared<TopicEncoder>();
  SemanticChunker chunker({.size = 256, .window = 0, .percentile = 80, .similarity = std::nullopt}, encoder);
  const auto chunks = chunker.chunk(kDocument);
  ASSERT_EQ(chunks.size(), 3u) << ::testing::PrintToString(texts_of(chunks));
  EXPECT_EQ(chunks[0].text,
            "The cat sleeps on the mat. A cat likes warm places. Every cat purrs. My cat is grey.");
  EXPECT_TRUE(chunks[1].text.starts_with("The rocket left the pad."));
  EXPECT_TRUE(chunks[2].text.ends_with("Bread goes stale fast."));
  expect_slices_source(chunks, kDocument);
  EXPECT_EQ(encoder->calls, 1);  // 12 windows: one batch

  // The similarity rule gives the same cuts; a similarity of -1 never cuts.
  SemanticChunker by_similarity({.size = 256, .window = 0, .percentile = 95, .similarity = 0.5}, encoder);
  EXPECT_EQ(texts_of(by_similarity.chunk(kDocument)), texts_of(chunks));
  SemanticChunker never({.size = 256, .window = 0, .percentile = 95, .similarity = -1.0}, encoder);
  EXPECT_EQ(never.chunk(kDocument).size(), 1u);
}

TEST(SemanticChunker, WindowsBlendNeighboursAndTheLargestShiftWins) {
  auto encoder = std::make_shared<TopicEncoder>();
  // With one sentence on each side the distances grow towards each topic change (0, 0.11, 0.2, 0.11, 0);
  // above the 80th percentile (0.11) are only the two largest, which sit exactly at the changes.
  SemanticChunker chunker({.size = 256, .window = 1, .percentile = 80, .similarity = std::nullopt}, encoder);
  const auto chunks = chunker.chunk(kDocument);
  ASSERT_EQ(chunks.size(), 3u) << ::testing::PrintToString(texts_of(chunks));
  EXPECT_TRUE(chunks[1].text.starts_with("The rocket left the pad."));
  EXPECT_TRUE(chunks[2].text.starts_with("Fresh bread smells good."));
}

TEST(SemanticChunker, KeepsEveryChunkWithinTheSize) {
  auto encoder = std::make_shared<TopicEncoder>();
  SemanticChunker chunker({.size = 12, .window = 0, .percentile = 80, .similarity = std::nullopt}, encoder);
  const auto chunks = chunker.chunk(kDocument);
  for (const Chunk& c : chunks) EXPECT_LE(c.token_count, 12u) << c.text;
  EXPECT_GT(chunks.size(), 3u);
  // A topic change still ends a chunk.
  bool rocket_starts = false;
  for (const Chunk& c : chunks) rocket_starts |= c.text.starts_with("The rocket left the pad.");
  EXPECT_TRUE(rocket_starts);
  expect_slices_source(chunks, kDocument);
}

TEST(SemanticChunker, SmallInputsAndEncoderErrors) {
  auto encoder = std::make_shared<TopicEncoder>();
  SemanticChunker chunker({}, encoder);
  EXPECT_TRUE(chunker.chunk("   \n ").empty());
  EXPECT_EQ(chunker.chunk("One sentence only.").size(), 1u);
  EXPECT_EQ(encoder->calls, 0);  // nothing to compare
  encoder->drop_one = true;
  expect_error([&] { chunker.chunk(kDocument); }, ErrorKind::internal, "embeddings for");
}

TEST(PerplexityMinima, MetaChunkingRule) {
  EXPECT_EQ(perplexity_minima(std::vector<double>{5, 3, 6}, 0), std::vector<size_t>{1});
  EXPECT_EQ(perplexity_minima(std::vector<double>{5, 3, 3, 6}, 0), std::vector<size_t>{1});   // plateau
  EXPECT_EQ(perplexity_minima(std::vector<double>{5, 4.9, 6}, 0.5), std::vector<size_t>{1});  // one side
  EXPECT_TRUE(perplexity_minima(std::vector<double>{5, 4.9, 5.1}, 0.5).empty());
  EXPECT_TRUE(perplexity_minima(std::vector<double>{1, 2, 3, 4}, 0).empty());
  EXPECT_TRUE(perplexity_minima(std::vector<double>{3, 1}, 0).empty());  // ends are never minima
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(perplexity_minima(std::vector<double>{nan, 1, 2}, 0), std::vector<size_t>{1});  // NaN = largest
  EXPECT_TRUE(perplexity_minima(std::vector<double>{nan, nan, nan}, 0).empty());
}

std::vector<std::pair<size_t, size_t>> pairs(const std::vector<UnitGroup>& groups) {
  std::vector<std::pair<size_t, size_t>> out;
  for (const UnitGroup& g : groups) out.emplace_back(g.first, g.last);
  return out;
}

TEST(MergeUnits, WeakestBoundariesMergeFirstWithinTheSize) {
  const std::vector<size_t> words(6, 10);
  // Minima after units 1 (rise 0.2) and 3 (rise 2.0).
  const std::vector<double> values{3, 1, 1.2, 1, 3, 2};
  const std::vector<size_t> minima{1, 3};
  using P = std::vector<std::pair<size_t, size_t>>;
  EXPECT_EQ(pairs(merge_units(words, values, minima, 20)), (P{{0, 1}, {2, 3}, {4, 5}}));
  EXPECT_EQ(pairs(merge_units(words, values, minima, 40)), (P{{0, 3}, {4, 5}}));  // the weak one goes
  EXPECT_EQ(pairs(merge_units(words, values, minima, 60)), (P{{0, 5}}));
  EXPECT_EQ(pairs(merge_units(words, values, minima, 10)),
            (P{{0, 0}, {1, 1}, {2, 2}, {3, 3}, {4, 4}, {5, 5}}));
  // Without minima: greedy packing left to right.
  EXPECT_EQ(pairs(merge_units(words, values, {}, 30)), (P{{0, 2}, {3, 5}}));
  EXPECT_TRUE(merge_units({}, {}, {}, 10).empty());
}

TEST(PerplexityChunker, EndsChunksBeforeSurprisingSentences) {
  auto scorer = std::make_shared<TopicScorer>();
  // 15-18 words a topic: two topics never fit in 30 words, one always does.
  PerplexityChunker chunker({.size = 30, .threshold = 0}, scorer);
  const auto chunks = chunker.chunk(kDocument);
  ASSERT_EQ(chunks.size(), 3u) << ::testing::PrintToString(texts_of(chunks));
  EXPECT_TRUE(chunks[0].text.ends_with("My cat is grey."));
  EXPECT_TRUE(chunks[1].text.starts_with("The rocket left the pad."));
  EXPECT_TRUE(chunks[2].text.starts_with("Fresh bread smells good."));
  expect_slices_source(chunks, kDocument);
  // A large size merges everything; a small one keeps chunks within it.
  EXPECT_EQ(PerplexityChunker({.size = 1000, .threshold = 0}, scorer).chunk(kDocument).size(), 1u);
  for (const Chunk& c : PerplexityChunker({.size = 9, .threshold = 0}, scorer).chunk(kDocument))
    EXPECT_LE(c.token_count, 9u) << c.text;
  EXPECT_NE(chunker.describe().find("model=topic-scorer"), std::string::npos);
}

TEST(MakeChunker, ModelChunkersNeedTheirModelAndTakeNoOverlap) {
  expect_error([] { make_chunker({.name = "semantic"}); }, ErrorKind::invalid_input,
               "needs an embedding model");
  expect_error([] { make_chunker({.name = "perplexity"}); }, ErrorKind::invalid_input,
               "needs a language model");
  ChunkerModels models{std::make_shared<TopicEncoder>(), std::make_shared<TopicScorer>()};
  EXPECT_NE(make_chunker({.name = "semantic"}, models)->describe().find("semantic size=256"),
            std::string::npos);
  EXPECT_NE(make_chunker({.name = "perplexity", .size = 64}, models)->describe().find("perplexity size=64"),
            std::string::npos);
  expect_error([&] { make_chunker({.name = "semantic", .overlap = 5, .overlap_set = true}, models); },
               ErrorKind::invalid_input, "no overlap");
  expect_error([&] { make_chunker({.name = "semantic", .percentile = 101}, models); },
               ErrorKind::invalid_input, "percentile");
  expect_error([&] { make_chunker({.name = "perplexity", .perplexity_threshold = -1}, models); },
               ErrorKind::invalid_input, "threshold");
  EXPECT_TRUE(chunker_needs_model("semantic"));
  EXPECT_FALSE(chunker_needs_model("recursive"));
}

}  // namespace
}  // namespace chunkwise::text
