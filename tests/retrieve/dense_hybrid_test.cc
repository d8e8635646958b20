// Dense retrieval over the HNSW index with filters (a narrow filter still finds its chunks), removed chunks,
// reciprocal rank fusion on constructed lists, path globs, and BM25 with filters.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "common/error.h"
#include "retrieve/bm25.h"
#include "retrieve/chunk_hits.h"
#include "retrieve/dense.h"
#include "retrieve/fusion.h"
#include "store/document_tags.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::retrieve {
namespace {

namespace fs = std::filesystem;
using chunkwise::testing::expect_error;

SearchHit hit(int64_t id) {
  SearchHit h;
  h.chunk_id = id;
  h.text = fmt::format("chunk {}", id);
  return h;
}

std::vector<int64_t> ids(const std::vector<SearchHit>& hits) {
  std::vector<int64_t> out;
  for (const SearchHit& h : hits) out.push_back(h.chunk_id);
  return out;
}

TEST(Fusion, ReciprocalRanksAddUp) {
  const std::vector<SearchHit> a = {hit(1), hit(2), hit(3)};
  const std::vector<SearchHit> b = {hit(3), hit(4), hit(1)};
  const auto fused = reciprocal_rank_fusion({{a, 1.0}, {b, 1.0}}, 60);
  ASSERT_EQ(fused.size(), 4u);
  // 1: 1/61 + 1/63; 3: 1/63 + 1/61 (tie: best rank 1 both, smaller id first); 2: 1/62; 4: 1/62 (tie: id).
  EXPECT_THAT(ids(fused), ::testing::ElementsAre(1, 3, 2, 4));
  EXPECT_DOUBLE_EQ(fused[0].score, 1.0 / 61 + 1.0 / 63);
  EXPECT_DOUBLE_EQ(fused[2].score, 1.0 / 62);
  // Weights: the second list alone decides.
  EXPECT_THAT(ids(reciprocal_rank_fusion({{a, 0.0}, {b, 1.0}}, 60)), ::testing::ElementsAre(3, 4, 1, 2));
  EXPECT_DOUBLE_EQ(reciprocal_rank_fusion({{a, 2.0}}, 0)[0].score, 2.0);
  EXPECT_TRUE(reciprocal_rank_fusion({}, 60).empty());
  expect_error([&] { reciprocal_rank_fusion({{a, -1.0}}, 60); }, ErrorKind::invalid_input, "weight");
  expect_error([&] { reciprocal_rank_fusion({{a, 1.0}}, -1); }, ErrorKind::invalid_input, "RRF k");
  expect_error([&] { reciprocal_rank_fusion({{a, NAN}}, 60); }, ErrorKind::invalid_input, "weight");
}

TEST(Fusion, KeepsTheFirstListsFieldsAndAnyEmbedding) {
  SearchHit from_bm25 = hit(7), from_dense = hit(7);
  from_bm25.snippet = "highlighted";
  from_dense.embedding = {1, 0};
  const auto fused = reciprocal_rank_fusion({{{from_bm25}, 1.0}, {{from_dense}, 1.0}});
  ASSERT_EQ(fused.size(), 1u);
  EXPECT_EQ(fused[0].snippet, "highlighted");
  EXPECT_EQ(fused[0].embedding, std::vector<float>({1, 0}));
}

TEST(Filter, GlobsAndSql) {
  EXPECT_EQ(sqlite_glob("*.md"), "*.md");
  EXPECT_EQ(sqlite_glob("/abs/*"), "/abs/*");
  EXPECT_EQ(sqlite_glob("docs/*.md"), "*/docs/*.md");
  EXPECT_EQ(filter_sql({}), "1");
  SearchFilter f;
  f.path_globs = {"a", "b"};
  f.document_ids = {3};
  f.tags = {"x", "y"};
  EXPECT_EQ(filter_sql(f),
            "(d.path GLOB ? OR d.path GLOB ? OR d.path GLOB ? OR d.path GLOB ?) AND d.id IN (?) AND EXISTS "
            "(SELECT 1 FROM document_tags t WHERE "
            "t.document_id = d.id AND t.tag IN (?, ?))");
  EXPECT_EQ(leading_snippet("  one two\nthree  ", 2), "one two …");
  EXPECT_EQ(leading_snippet("one two", 2), "one two");
  EXPECT_EQ(leading_snippet("", 2), "");
}

class DenseTest : public ::testing::Test {
 protected:
  void SetUp() override {
    catalog_ = std::make_unique<store::Catalog>(dir_ / "c.db");
    // 40 documents of 10 one-word chunks; vectors cluster by document.
    for (int d = 0; d < 40; ++d) {
      std::string text;
      for (int w = 0; w < 10; ++w) text += fmt::format("d{}w{} ", d, w);
      const std::vector<text::Chunk> chunks = text::TokenChunker(1, 0).chunk(text);
      auto transaction = catalog_->begin_write();
      catalog_->put_document({fmt::format("/docs/{}/d{}.txt", d % 2 ? "odd" : "even", d),
                              store::content_hash(text), 1, 1, "token 1", text, &chunks});
      transaction.commit();
    }
    model_ = store::register_embedding_model(*catalog_, "fp", "/m", 8);
    const auto missing = store::chunks_without_embedding(*catalog_, model_.id, 0, 100000);
    auto transaction = catalog_->begin_write();
    for (const store::ChunkText& chunk : missing)
      store::put_embedding(*catalog_, model_, chunk, vector_of(chunk.text));
    transaction.commit();
  }
  void TearDown() override { catalog_.reset(); }

  // Document d's chunks lie near the unit vector of angle d * 4.5 degrees in the first two dimensions.
  static std::vector<float> vector_of(const std::string& text) {
    const int d = std::stoi(text.substr(1));
    std::mt19937 random(static_cast<uint32_t>(std::hash<std::string>{}(text)));
    std::normal_distribution<float> noise(0, 0.01f);
    const double angle = d * 4.5 * M_PI / 180;
    std::vector<float> v(8, 0.f);
    v[0] = static_cast<float>(std::cos(angle));
    v[1] = static_cast<float>(std::sin(angle));
    for (float& x : v) x += noise(random);
    double norm = 0;
    for (float x : v) norm += double(x) * x;
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  }

  chunkwise::testing::TempDir dir_{"chunkwise-dense"};
  std::unique_ptr<store::Catalog> catalog_;
  store::EmbeddingModel model_;
};

TEST_F(DenseTest, NearestFirstAndNarrowFiltersStillFindTheirChunks) {
  store::VectorIndex index = store::VectorIndex::open(*catalog_, model_);
  const std::vector<float> query = vector_of("d0w0");
  const auto hits = dense_search(*catalog_, index, query, {.limit = 5, .ef = 64, .filter = {}});
  ASSERT_EQ(hits.size(), 5u);
  for (const SearchHit& h : hits) EXPECT_EQ(h.path, "/docs/even/d0.txt");
  for (size_t i = 1; i < hits.size(); ++i) EXPECT_GE(hits[i - 1].score, hits[i].score);
  EXPECT_EQ(hits[0].text, "d0w0");
  EXPECT_FALSE(hits[0].snippet.empty());

  // The farthest document (39, 175 degrees away) is found through its path or id.
  SearchFilter far;
  far.path_globs = {"*/d39.txt"};
  const auto filtered = dense_search(*catalog_, index, query, {.limit = 5, .ef = 64, .filter = far});
  ASSERT_EQ(filtered.size(), 5u);
  for (const SearchHit& h : filtered) EXPECT_EQ(h.path, "/docs/odd/d39.txt");
  far = {};
  far.document_ids = {filtered[0].document_id};
  EXPECT_EQ(dense_search(*catalog_, index, query, {.limit = 20, .ef = 64, .filter = far}).size(), 10u);
  store::tag_documents(*catalog_, "/docs/odd", std::vector<std::string>{"odd"});
  far = {};
  far.tags = {"odd"};
  for (const SearchHit& h : dense_search(*catalog_, index, query, {.limit = 30, .ef = 64, .filter = far}))
    EXPECT_THAT(h.path, ::testing::StartsWith("/docs/odd/"));
  far.tags = {"none"};
  EXPECT_TRUE(dense_search(*catalog_, index, query, {.limit = 5, .ef = 64, .filter = far}).empty());

  // BM25 takes the same filter.
  Bm25Options bm25;
  bm25.filter.path_globs = {"even/*"};
  EXPECT_TRUE(bm25_search(*catalog_, "d1w1", bm25).empty());
  EXPECT_EQ(bm25_search(*catalog_, "d2w1 d1w1", bm25).size(), 1u);
}

TEST_F(DenseTest, ChunksRemovedAfterTheIndexWasBuiltAreNotReturned) {
  store::VectorIndex index = store::VectorIndex::open(*catalog_, model_);
  EXPECT_EQ(catalog_->remove_documents("/docs/even/d0.txt"), 1u);
  // An index built before the removal (as a reader holding it would have) still returns no removed chunk.
  const auto hits = dense_search(*catalog_, index, vector_of("d0w0"), {.limit = 5, .ef = 64, .filter = {}});
  ASSERT_EQ(hits.size(), 5u);
  for (const SearchHit& h : hits) EXPECT_NE(h.path, "/docs/even/d0.txt");
  // METEORA's lookup: neighbours by ordinal.
  const auto neighbour = chunk_at(*catalog_, hits[0].document_id, 3);
  ASSERT_TRUE(neighbour);
  EXPECT_EQ(neighbour->ordinal, 3);
  EXPECT_FALSE(chunk_at(*catalog_, hits[0].document_id, 10));
}

}  // namespace
}  // namespace chunkwise::retrieve
