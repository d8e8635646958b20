// BM25 over the catalog: query sanitising (FTS5 syntax in user text is just words), ranking with higher =
// better, hit fields, snippets, and top-k selection under a token budget.
#include "retrieve/bm25.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "common/error.h"
#include "retrieve/selector.h"
#include "support/temp_dir.h"
#include "text/chunk/markdown_structure.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::retrieve {
namespace {

namespace fs = std::filesystem;

class Bm25Test : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = std::make_unique<store::Catalog>(dir_ / "c.db");
    add("/docs/cats.md", "# Pets\n## Cats\nThe cat sat on the mat. Cats purr when content.\n");
    add("/docs/dogs.md", "# Pets\n## Dogs\nDogs bark at the mailman. A dog is loyal.\n");
    add("/docs/mixed.txt", "Cats and dogs are common pets; the cat is independent, the dog is social.\n");
    add("/docs/syntax.txt",
        "Operators like AND OR NOT NEAR and quotes \"x\" appear in code: a*b (c) col:val\n");
  }
  void TearDown() override { catalog_.reset(); }

  void add(const std::string& path, const std::string& text) {
    const std::vector<text::Chunk> chunks =
        text::TokenChunker(100, 0).chunk(text, text::markdown_structure(text));
    auto transaction = catalog_->begin_write();
    catalog_->put_document({path, store::content_hash(text), 1, 1, "token", text, &chunks});
    transaction.commit();
  }

  std::vector<std::string> paths(const std::vector<SearchHit>& hits) {
    std::vector<std::string> out;
    for (const SearchHit& hit : hits) out.push_back(hit.path);
    return out;
  }

  chunkwise::testing::TempDir dir_{"chunkwise-retrieve"};
  std::unique_ptr<store::Catalog> catalog_;
};

TEST(Fts5Query, QuotesEveryWord) {
  EXPECT_EQ(fts5_query("cat"), "\"cat\"");
  EXPECT_EQ(fts5_query("  cat  dog\n"), "\"cat\" OR \"dog\"");
  EXPECT_EQ(fts5_query("say \"hi\" NOT x*"), "\"say\" OR \"hi\" OR \"NOT\" OR \"x\"");
  EXPECT_EQ(fts5_query("fs.readFile(path)"), "\"fs\" OR \"readFile\" OR \"path\"");
  EXPECT_EQ(fts5_query("Grüße, 東京"), "\"Grüße\" OR \"東京\"");
  EXPECT_EQ(fts5_query("?!.."), "");  // matches nothing (bm25_search returns no hits)
  for (const char* empty : {"", "   ", "\n\t"}) {
    try {
      fts5_query(empty);
      ADD_FAILURE() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
      EXPECT_THAT(e.what(), ::testing::HasSubstr("empty search query"));
    }
  }
}

TEST_F(Bm25Test, RanksByRelevanceWithPositiveScores) {
  const auto hits = bm25_search(*catalog_, "cat purr", {});
  ASSERT_GE(hits.size(), 2u);
  EXPECT_EQ(hits[0].path, "/docs/cats.md");
  EXPECT_GT(hits[0].score, hits[1].score);
  for (const SearchHit& hit : hits) EXPECT_GT(hit.score, 0);
  EXPECT_THAT(paths(hits), ::testing::Not(::testing::Contains("/docs/dogs.md")));
  EXPECT_EQ(hits[0].headings, std::vector<std::string>{"Pets"});  // the path where the chunk begins
  EXPECT_EQ(hits[0].line_begin, 1);
  EXPECT_EQ(hits[0].line_end, 3);
  EXPECT_EQ(hits[0].byte_begin, 0);
  EXPECT_GT(hits[0].token_count, 5);
}

TEST_F(Bm25Test, StemsAndFoldsCase) {
  EXPECT_EQ(bm25_search(*catalog_, "BARKING", {})[0].path, "/docs/dogs.md");
}

TEST_F(Bm25Test, QuerySyntaxIsJustWords) {
  for (const char* query : {"AND", "NEAR(a b)", "\"x\"", "col:val", "a*b", "(c)", "NOT", "^start", "-x", "*",
                            "\"unbalanced", "text:cat", "{a b}"}) {
    EXPECT_NO_THROW(bm25_search(*catalog_, query, {})) << query;
  }
  EXPECT_EQ(bm25_search(*catalog_, "NEAR", {})[0].path, "/docs/syntax.txt");
  EXPECT_EQ(bm25_search(*catalog_, "col:val", {})[0].path, "/docs/syntax.txt");
  EXPECT_TRUE(bm25_search(*catalog_, "?!", {}).empty());
  EXPECT_TRUE(bm25_search(*catalog_, "zebra", {}).empty());
}

TEST_F(Bm25Test, SnippetsHighlightMatches) {
  Bm25Options options;
  options.highlight_open = "[";
  options.highlight_close = "]";
  const auto hits = bm25_search(*catalog_, "mailman", options);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_THAT(hits[0].snippet, ::testing::HasSubstr("[mailman]"));
  options.limit = 1;
  EXPECT_EQ(bm25_search(*catalog_, "cat dog pets", options).size(), 1u);
}

// The in-memory postings must rank exactly as FTS5 does: the same hits in the same order, the same scores.
TEST_F(Bm25Test, InMemoryIndexRanksAsFts5) {
  Bm25IndexCache cache;
  for (const char* query : {"cat purr", "the cat the", "dogs pets social", "BARKING mailman", "zebra",
                            "fs.readFile(cat)", "Operators NEAR col:val", "?!"}) {
    Bm25Options fts5;
    fts5.limit = 3;
    Bm25Options in_memory = fts5;
    in_memory.index = &cache;
    in_memory.highlight_open = fts5.highlight_open = "[";
    in_memory.highlight_close = fts5.highlight_close = "]";
    const auto expected = bm25_search(*catalog_, query, fts5);
    const auto actual = bm25_search(*catalog_, query, in_memory);
    ASSERT_EQ(actual.size(), expected.size()) << query;
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].chunk_id, expected[i].chunk_id) << query << " #" << i;
      EXPECT_NEAR(actual[i].score, expected[i].score, 1e-12 * expected[i].score) << query << " #" << i;
      EXPECT_EQ(actual[i].snippet, expected[i].snippet) << query << " #" << i;
      EXPECT_EQ(actual[i].path, expected[i].path);
    }
  }
}

// A cached index follows the catalog: adding or removing documents moves chunks_generation, and the next
// search rebuilds.
TEST_F(Bm25Test, InMemoryIndexFollowsTheCatalog) {
  Bm25IndexCache cache;
  Bm25Options options;
  options.index = &cache;
  EXPECT_TRUE(bm25_search(*catalog_, "zebra", options).empty());
  const int64_t before = catalog_->chunks_generation();
  add("/docs/zoo.txt", "A zebra has stripes.\n");
  EXPECT_GT(catalog_->chunks_generation(), before);
  ASSERT_EQ(bm25_search(*catalog_, "zebra", options).size(), 1u);
  EXPECT_EQ(bm25_search(*catalog_, "zebra", options)[0].path, "/docs/zoo.txt");
  EXPECT_EQ(catalog_->remove_documents("/docs/zoo.txt"), 1u);
  EXPECT_TRUE(bm25_search(*catalog_, "zebra", options).empty());
  // Another connection's write is seen too.
  {
    store::Catalog other(dir_ / "c.db");
    const std::string text = "Zebra crossing.\n";
    const std::vector<text::Chunk> chunks =
        text::TokenChunker(100, 0).chunk(text, text::markdown_structure(text));
    auto transaction = other.begin_write();
    other.put_document({"/docs/road.txt", store::content_hash(text), 1, 1, "token", text, &chunks});
    transaction.commit();
  }
  ASSERT_EQ(bm25_search(*catalog_, "zebra", options).size(), 1u);
  EXPECT_EQ(bm25_search(*catalog_, "zebra", options)[0].path, "/docs/road.txt");
}

TEST(Selector, TopKStopsAtTheBudget) {
  std::vector<SearchHit> ranked(5);
  for (size_t i = 0; i < ranked.size(); ++i) {
    ranked[i].chunk_id = static_cast<int64_t>(i);
    ranked[i].token_count = i == 2 ? 50 : 10;
  }
  const auto selector = make_selector("top-k");
  EXPECT_EQ(selector->select(ranked, {.top_k = 3, .token_budget = std::nullopt}).size(), 3u);
  EXPECT_EQ(selector->select(ranked, {.top_k = 10, .token_budget = std::nullopt}).size(), 5u);
  const auto budgeted = selector->select(ranked, {.top_k = 10, .token_budget = 40});
  ASSERT_EQ(budgeted.size(), 2u);  // the third (50 tokens) does not fit; later, smaller ones are not taken
  EXPECT_EQ(budgeted[1].chunk_id, 1);
  EXPECT_EQ(selector->select(ranked, {.top_k = 10, .token_budget = 70}).size(), 3u);
  EXPECT_TRUE(selector->select(ranked, {.top_k = 10, .token_budget = 5}).empty());
  EXPECT_THROW(make_selector("nope"), Error);
}

}  // namespace
}  // namespace chunkwise::retrieve
