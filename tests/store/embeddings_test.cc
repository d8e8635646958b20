// Schema version 2: chunk embeddings per model (removed with their chunks, generation counting every change,
// guarded against replaced chunks), document tags, the migration from version 1, and the persisted HNSW
// index: nearest neighbours, reloading, staleness, damaged files, determinism, removed chunks.
#include "store/embeddings.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <thread>

#include "common/error.h"
#include "store/catalog.h"
#include "store/document_tags.h"
#include "store/vector_index.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::store {
namespace {

namespace fs = std::filesystem;

using chunkwise::testing::expect_error;

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

class EmbeddingsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = temp_.path();
    db_ = dir_ / "c.db";
    catalog_ = std::make_unique<Catalog>(db_);
  }
  void TearDown() override { catalog_.reset(); }

  // One chunk per word.
  void put(const std::string& path, const std::string& text) {
    const std::vector<text::Chunk> chunks = text::TokenChunker(1, 0).chunk(text);
    auto transaction = catalog_->begin_write();
    catalog_->put_document({path, content_hash(text), 1, 1, "token 1", text, &chunks});
    transaction.commit();
  }

  // A deterministic unit vector for a chunk text.
  static std::vector<float> vector_of(const std::string& text, size_t dimension) {
    std::mt19937 random(static_cast<uint32_t>(std::hash<std::string>{}(text)));
    std::normal_distribution<float> normal;
    std::vector<float> v(dimension);
    double norm = 0;
    for (float& x : v) {
      x = normal(random);
      norm += double(x) * x;
    }
    for (float& x : v) x = static_cast<float>(x / std::sqrt(norm));
    return v;
  }

  // Embeds every chunk without an embedding; returns how many were stored.
  size_t embed_all(const EmbeddingModel& model) {
    size_t stored = 0;
    const auto missing = chunks_without_embedding(*catalog_, model.id, 0, 1000000);
    auto transaction = catalog_->begin_write();
    for (const ChunkText& chunk : missing)
      stored += put_embedding(*catalog_, model, chunk, vector_of(chunk.text, size_t(model.dimension)));
    transaction.commit();
    return stored;
  }

  EmbeddingModel model(int64_t dimension = 8) {
    return register_embedding_model(*catalog_, "fp-test", "/models/test", dimension);
  }

  EmbeddingModel current(const EmbeddingModel& m) { return *find_embedding_model(*catalog_, m.id); }

  int64_t chunk_id_of(const std::string& text) {
    Statement query = catalog_->database().prepare("SELECT id FROM chunks WHERE text = ?");
    query.bind(1, text);
    return query.step() ? query.column_int(0) : -1;
  }

  chunkwise::testing::TempDir temp_{"chunkwise-embeddings"};  // removed after the members below
  fs::path dir_;
  fs::path db_;
  std::unique_ptr<Catalog> catalog_;
};

TEST_F(EmbeddingsTest, StoredPerModelAndRemovedWithTheirChunks) {
  put("/a.txt", "alpha beta gamma");
  put("/b.txt", "delta epsilon");
  const EmbeddingModel m = model();
  EXPECT_EQ(m.generation, 0);
  EXPECT_EQ(count_chunks_without_embedding(*catalog_, m.id), 5);
  EXPECT_EQ(embed_all(m), 5u);
  EXPECT_EQ(count_chunks_without_embedding(*catalog_, m.id), 0);
  EXPECT_EQ(embedding_count(*catalog_, m.id), 5);
  const int64_t after_embedding = current(m).generation;
  EXPECT_GT(after_embedding, 0);

  // Another model sees every chunk as missing.
  const EmbeddingModel other = register_embedding_model(*catalog_, "fp-other", "/models/other", 4);
  EXPECT_EQ(count_chunks_without_embedding(*catalog_, other.id), 5);

  const int64_t beta = chunk_id_of("beta");
  const auto got = embeddings_of(*catalog_, m, std::vector<int64_t>{beta, 999});
  ASSERT_EQ(got.size(), 1u);
  EXPECT_EQ(got[0].first, beta);
  EXPECT_EQ(got[0].second, vector_of("beta", 8));

  // Replacing a document drops its chunks' embeddings; the generation moves.
  put("/a.txt", "alpha zeta");
  EXPECT_EQ(embedding_count(*catalog_, m.id), 2);
  EXPECT_EQ(count_chunks_without_embedding(*catalog_, m.id), 2);
  EXPECT_GT(current(m).generation, after_embedding);
  const int64_t after_replace = current(m).generation;
  EXPECT_EQ(catalog_->remove_documents("/b.txt"), 1u);
  EXPECT_EQ(embedding_count(*catalog_, m.id), 0);
  EXPECT_GT(current(m).generation, after_replace);
  EXPECT_EQ(catalog_->integrity_check(), "ok");
}

TEST_F(EmbeddingsTest, AnEmbeddingOfAReplacedChunkIsNotStored) {
  put("/a.txt", "alpha beta");
  const EmbeddingModel m = model();
  const auto missing = chunks_without_embedding(*catalog_, m.id, 0, 10);
  ASSERT_EQ(missing.size(), 2u);
  put("/a.txt", "gamma delta");  // same ids, other texts
  auto transaction = catalog_->begin_write();
  EXPECT_FALSE(put_embedding(*catalog_, m, missing[0], vector_of("alpha", 8)));
  EXPECT_FALSE(put_embedding(*catalog_, m, {12345, "nothing"}, vector_of("x", 8)));
  transaction.commit();
  EXPECT_EQ(embedding_count(*catalog_, m.id), 0);
}

TEST_F(EmbeddingsTest, BadVectorsAndDimensionsAreErrors) {
  put("/a.txt", "alpha");
  const EmbeddingModel m = model(8);
  expect_error([&] { register_embedding_model(*catalog_, "fp-test", "/x", 16); }, ErrorKind::invalid_input,
               "dimension 8, not 16");
  const auto missing = chunks_without_embedding(*catalog_, m.id, 0, 10);
  auto transaction = catalog_->begin_write();
  expect_error([&] { put_embedding(*catalog_, m, missing[0], std::vector<float>(3, 0.5f)); },
               ErrorKind::invalid_input, "dimension is 8");
  std::vector<float> nan(8, 0.1f);
  nan[3] = std::nanf("");
  expect_error([&] { put_embedding(*catalog_, m, missing[0], nan); }, ErrorKind::invalid_input, "non-finite");
  transaction.commit();
  // A stored blob of the wrong size (a damaged catalog) is reported, not read past.
  catalog_->database().exec(
      "INSERT INTO chunk_embeddings(model_id, chunk_id, vector) VALUES (1, 1, x'0102')");
  expect_error([&] { for_each_embedding(*catalog_, m, [](int64_t, std::span<const float>) {}); },
               ErrorKind::invalid_input, "has 2 bytes, expected 32");
}

TEST_F(EmbeddingsTest, RegisteringAgainKeepsTheModelAndUpdatesItsPath) {
  const EmbeddingModel a = model();
  const EmbeddingModel b = register_embedding_model(*catalog_, "fp-test", "/moved/test", 8);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(b.path, "/moved/test");
  EXPECT_EQ(embedding_models(*catalog_).size(), 1u);
  EXPECT_FALSE(find_embedding_model(*catalog_, "nope"));
}

TEST_F(EmbeddingsTest, TagsMatchFilesAndDirectoriesAndGoWithTheirDocument) {
  put("/d/x/1.txt", "one");
  put("/d/x/sub/2.txt", "two");
  put("/d/xy/3.txt", "three");
  const std::vector<std::string> tags = {"manual", "v2"};
  EXPECT_EQ(tag_documents(*catalog_, "/d/x/", tags), 2u);
  EXPECT_EQ(tag_documents(*catalog_, "/d/x/1.txt", tags), 1u);  // again: nothing doubles
  const auto one = catalog_->find_document("/d/x/1.txt");
  const auto three = catalog_->find_document("/d/xy/3.txt");
  EXPECT_EQ(tags_of(*catalog_, one->id), tags);
  EXPECT_TRUE(tags_of(*catalog_, three->id).empty());
  put("/d/x/1.txt", "changed text");
  EXPECT_EQ(tags_of(*catalog_, one->id), tags);
  catalog_->remove_documents("/d/x/1.txt");
  Statement count = catalog_->database().prepare("SELECT count(*) FROM document_tags");
  count.step();
  EXPECT_EQ(count.column_int(0), 2);  // 2.txt's
  expect_error([&] { tag_documents(*catalog_, "/d", std::vector<std::string>{""}); },
               ErrorKind::invalid_input, "empty tag");
}

TEST_F(EmbeddingsTest, AVersion1CatalogIsMigrated) {
  put("/a.txt", "alpha beta");
  catalog_->database().exec(
      "DROP TABLE chunk_embeddings; DROP TABLE embedding_models; DROP TABLE document_tags; "
      "DROP TABLE catalog_info; UPDATE schema_version SET version = 1");
  catalog_.reset();
  expect_error([&] { Catalog(db_, {.read_only = true}); }, ErrorKind::invalid_input, "needs migrating");
  catalog_ = std::make_unique<Catalog>(db_);
  EXPECT_EQ(catalog_->chunk_count(), 2);
  EXPECT_EQ(catalog_id(*catalog_).size(), 32u);
  const EmbeddingModel m = model();
  EXPECT_EQ(embed_all(m), 2u);
}

TEST_F(EmbeddingsTest, CatalogsHaveDistinctIdentities) {
  Catalog other(dir_ / "other.db");
  EXPECT_NE(catalog_id(*catalog_), catalog_id(other));
  EXPECT_EQ(catalog_id(*catalog_), catalog_id(*catalog_));
}

class VectorIndexTest : public EmbeddingsTest {
 protected:
  void SetUp() override {
    EmbeddingsTest::SetUp();
    std::string text;
    for (int i = 0; i < 300; ++i) text += fmt::format("w{} ", i);
    put("/many.txt", text);
    model_ = model(16);
    embed_all(model_);
  }

  // Exact nearest chunk by brute force.
  int64_t exact_nearest(const std::vector<float>& query) {
    int64_t best = -1;
    double best_dot = -2;
    for_each_embedding(*catalog_, model_, [&](int64_t id, std::span<const float> v) {
      double dot = 0;
      for (size_t i = 0; i < v.size(); ++i) dot += double(v[i]) * query[i];
      if (dot > best_dot) best_dot = dot, best = id;
    });
    return best;
  }

  EmbeddingModel model_;
};

TEST_F(VectorIndexTest, FindsTheNearestChunksAndIsSavedAndReloaded) {
  VectorIndex built = VectorIndex::open(*catalog_, model_);
  EXPECT_EQ(built.origin(), VectorIndex::Origin::built_and_saved) << built.warning();
  EXPECT_EQ(built.size(), 300u);
  EXPECT_TRUE(fs::exists(vector_index_path(db_, current(model_))));
  EXPECT_TRUE(fs::exists(vector_manifest_path(db_, current(model_))));
  EXPECT_EQ(vector_index_files(db_).size(), 2u);

  // A chunk's own vector finds it first with similarity 1; results are sorted.
  const int64_t w17 = chunk_id_of("w17");
  const auto matches = built.search(vector_of("w17", 16), 5);
  ASSERT_EQ(matches.size(), 5u);
  EXPECT_EQ(matches[0].chunk_id, w17);
  EXPECT_NEAR(matches[0].similarity, 1.0f, 1e-5);
  for (size_t i = 1; i < matches.size(); ++i) EXPECT_GE(matches[i - 1].similarity, matches[i].similarity);
  // Random queries: the exact nearest neighbour is found (300 points, ef 64: HNSW is exact here).
  for (int q = 0; q < 20; ++q) {
    const auto query = vector_of("query" + std::to_string(q), 16);
    EXPECT_EQ(built.search(query, 1)[0].chunk_id, exact_nearest(query));
  }

  VectorIndex loaded = VectorIndex::open(*catalog_, model_);
  EXPECT_EQ(loaded.origin(), VectorIndex::Origin::loaded);
  EXPECT_EQ(loaded.size(), 300u);
  const auto again = loaded.search(vector_of("w17", 16), 5);
  ASSERT_EQ(again.size(), matches.size());
  for (size_t i = 0; i < again.size(); ++i) EXPECT_EQ(again[i].chunk_id, matches[i].chunk_id);
  expect_error([&] { loaded.search(std::vector<float>(3, 0.f), 1); }, ErrorKind::invalid_input,
               "dimension is 16");
}

TEST_F(VectorIndexTest, TheBuildIsDeterministic) {
  VectorIndex::open(*catalog_, model_);
  const std::string first = read_file(vector_index_path(db_, current(model_)));
  fs::remove(vector_manifest_path(db_, current(model_)));
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::built_and_saved);
  EXPECT_EQ(read_file(vector_index_path(db_, current(model_))), first);
}

TEST_F(VectorIndexTest, AChangedCatalogRebuildsAndRemovedChunksAreGone) {
  VectorIndex::open(*catalog_, model_);
  const fs::path old_index = vector_index_path(db_, current(model_));
  const int64_t w5 = chunk_id_of("w5");
  put("/many.txt", "fresh words only");  // w0..w299 are removed
  embed_all(model_);
  VectorIndex rebuilt = VectorIndex::open(*catalog_, model_);
  EXPECT_EQ(rebuilt.origin(), VectorIndex::Origin::built_and_saved);
  EXPECT_FALSE(rebuilt.updated());  // 300 of 303 would be holes: built afresh
  EXPECT_EQ(rebuilt.size(), 3u);
  EXPECT_FALSE(fs::exists(old_index));  // an older generation is removed
  EXPECT_EQ(vector_index_files(db_).size(), 2u);
  for (const VectorMatch& m : rebuilt.search(vector_of("w5", 16), 10)) EXPECT_NE(m.chunk_id, w5);
  EXPECT_EQ(rebuilt.search(vector_of("fresh", 16), 1)[0].chunk_id, chunk_id_of("fresh"));
}

TEST_F(VectorIndexTest, DamagedOrForeignFilesAreRebuiltNotTrusted) {
  VectorIndex::open(*catalog_, model_);
  const fs::path index_path = vector_index_path(db_, current(model_));
  std::string bytes = read_file(index_path);
  bytes[bytes.size() / 2] ^= 0x55;
  std::ofstream(index_path, std::ios::binary) << bytes;
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::built_and_saved);
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::loaded);

  std::ofstream(index_path, std::ios::binary) << "short";
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::built_and_saved);
  std::ofstream(vector_manifest_path(db_, current(model_))) << "{not json";
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::built_and_saved);

  // A manifest of another catalog (another catalog_id) with the same file names is not taken.
  const fs::path manifest_path = vector_manifest_path(db_, current(model_));
  nlohmann::json manifest = nlohmann::json::parse(read_file(manifest_path));
  EXPECT_EQ(manifest["catalog_id"], catalog_id(*catalog_));
  EXPECT_EQ(manifest["count"], 300);
  manifest["catalog_id"] = "0123456789abcdef0123456789abcdef";
  std::ofstream(manifest_path) << manifest.dump();
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::built_and_saved);
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::loaded);
}

TEST_F(VectorIndexTest, SmallChangesUpdateTheSavedIndexInsteadOfRebuildingIt) {
  VectorIndex::open(*catalog_, model_);
  put("/small.txt", "s1 s2 s3 s4 s5");
  embed_all(model_);
  VectorIndex added = VectorIndex::open(*catalog_, model_);
  EXPECT_TRUE(added.updated());
  EXPECT_EQ(added.origin(), VectorIndex::Origin::built_and_saved);
  EXPECT_EQ(added.size(), 305u);
  EXPECT_EQ(added.search(vector_of("s3", 16), 1)[0].chunk_id, chunk_id_of("s3"));
  EXPECT_EQ(vector_index_files(db_).size(), 2u);

  // The same chunk ids come back with other texts (the last document's ids are reused): vectors replaced.
  const int64_t s1 = chunk_id_of("s1");
  put("/small.txt", "t1 t2 t3 t4 t5");
  ASSERT_EQ(chunk_id_of("t1"), s1);
  embed_all(model_);
  VectorIndex replaced = VectorIndex::open(*catalog_, model_);
  EXPECT_TRUE(replaced.updated());
  EXPECT_EQ(replaced.size(), 305u);
  const auto match = replaced.search(vector_of("t1", 16), 1)[0];
  EXPECT_EQ(match.chunk_id, s1);
  EXPECT_NEAR(match.similarity, 1.0f, 1e-5);

  // Removed chunks are marked deleted and never returned.
  EXPECT_EQ(catalog_->remove_documents("/small.txt"), 1u);
  VectorIndex removed = VectorIndex::open(*catalog_, model_);
  EXPECT_TRUE(removed.updated());
  EXPECT_EQ(removed.size(), 300u);
  EXPECT_EQ(removed.deleted_count(), 5u);
  for (const VectorMatch& m : removed.search(vector_of("t1", 16), 300)) EXPECT_LT(m.chunk_id, s1);
  for (int q = 0; q < 20; ++q) {
    const auto query = vector_of("query" + std::to_string(q), 16);
    EXPECT_EQ(removed.search(query, 1)[0].chunk_id, exact_nearest(query));
  }
  // Loaded again as saved, deletions included.
  VectorIndex loaded = VectorIndex::open(*catalog_, model_);
  EXPECT_EQ(loaded.origin(), VectorIndex::Origin::loaded);
  EXPECT_EQ(loaded.size(), 300u);
  EXPECT_EQ(loaded.deleted_count(), 5u);
}

TEST_F(VectorIndexTest, ReadersBuildingAtOnceLeaveOneGoodIndex) {
  // Four readers find no index and build and save it at the same time, each through its own connection.
  std::vector<std::thread> readers;
  std::atomic<int> built{0}, failed{0};
  for (int r = 0; r < 4; ++r)
    readers.emplace_back([&] {
      try {
        Catalog reader(db_, {.read_only = true});
        VectorIndex index = VectorIndex::open(reader, model_);
        built += index.origin() == VectorIndex::Origin::built_and_saved && index.size() == 300;
      } catch (const std::exception&) {
        ++failed;
      }
    });
  for (std::thread& reader : readers) reader.join();
  EXPECT_EQ(failed, 0);
  EXPECT_EQ(built, 4);
  EXPECT_EQ(vector_index_files(db_).size(), 2u);  // no temporary files left behind
  EXPECT_EQ(VectorIndex::open(*catalog_, model_).origin(), VectorIndex::Origin::loaded);
}

}  // namespace
}  // namespace chunkwise::store
