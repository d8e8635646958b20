// Catalog: FTS5 is available, schema and WAL mode, unchanged / replaced / removed documents with their chunks
// and full-text rows, chunk links and line numbers, transactions, errors that name the file, and readers that
// see whole documents while a writer ingests.
#include "store/catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <thread>

#include "common/error.h"
#include "put_text.h"
#include "store/embeddings.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::store {
namespace {

namespace fs = std::filesystem;

using chunkwise::testing::expect_error;

class CatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = temp_.path(); }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "ro", fs::perms::owner_all, ec);
  }

  // Stores `text` at `path` chunked into windows of 2 words; returns what the catalog did.
  PutResult put(Catalog& catalog, const std::string& path, const std::string& text,
                const std::string& chunker = "token 2") {
    return put_text(catalog, path, text, chunker);
  }

  int64_t fts_matches(Catalog& catalog, const std::string& query) {
    Statement s = catalog.database().prepare("SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH ?");
    s.bind(1, query);
    s.step();
    return s.column_int(0);
  }

  chunkwise::testing::TempDir temp_{"chunkwise-store"};  // removed after the members below
  fs::path dir_;
};

TEST(Sqlite, Fts5IsEnabled) {
  EXPECT_EQ(sqlite3_compileoption_used("ENABLE_FTS5"), 1);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(":memory:", &db), SQLITE_OK);
  EXPECT_EQ(sqlite3_exec(db, "CREATE VIRTUAL TABLE t USING fts5(x); INSERT INTO t VALUES ('hello world');",
                         nullptr, nullptr, nullptr),
            SQLITE_OK)
      << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(Sqlite, ContentHashIsFnv1a64) {
  EXPECT_EQ(content_hash(""), "cbf29ce484222325");
  EXPECT_EQ(content_hash("a"), "af63dc4c8601ec8c");
  EXPECT_NE(content_hash("ab"), content_hash("ba"));
}

TEST_F(CatalogTest, CreatesAWalCatalogWithASchemaVersion) {
  {
    Catalog catalog(dir_ / "c.db");
    Statement mode = catalog.database().prepare("PRAGMA journal_mode");
    ASSERT_TRUE(mode.step());
    EXPECT_EQ(mode.column_text(0), "wal");
    Statement version = catalog.database().prepare("SELECT version FROM schema_version");
    ASSERT_TRUE(version.step());
    EXPECT_EQ(version.column_int(0), kSchemaVersion);
    Statement keys = catalog.database().prepare("PRAGMA foreign_keys");
    ASSERT_TRUE(keys.step());
    EXPECT_EQ(keys.column_int(0), 1);
    Statement page = catalog.database().prepare("PRAGMA page_size");
    ASSERT_TRUE(page.step());
    EXPECT_EQ(page.column_int(0), 16384);
  }
  Catalog again(dir_ / "c.db", {.read_only = true});
  EXPECT_EQ(again.document_count(), 0);
}

TEST_F(CatalogTest, AnExistingCatalogKeepsItsPageSize) {
  {  // a database file made with 4 KiB pages (catalogs had them before 16 KiB became the default)
    Database db(dir_ / "old.db", Database::Mode::read_write, 1000);
    db.exec("PRAGMA page_size=4096");
    db.exec("PRAGMA journal_mode=WAL");
  }
  {
    Catalog catalog(dir_ / "old.db");
    const std::vector<text::Chunk> chunks = text::TokenChunker(2, 0).chunk("kept pages");
    auto transaction = catalog.begin_write();
    catalog.put_document({"/a.txt", "h", 10, 0, "recursive", "kept pages", &chunks});
    transaction.commit();
  }
  Catalog catalog(dir_ / "old.db", {.read_only = true});
  Statement page = catalog.database().prepare("PRAGMA page_size");
  ASSERT_TRUE(page.step());
  EXPECT_EQ(page.column_int(0), 4096);
  EXPECT_EQ(catalog.document_count(), 1);
}

TEST_F(CatalogTest, AVersion2CatalogLosesItsInsertTriggerAndIndexesEachChunkOnce) {
  {  // a version 2 catalog: the full-text index filled by a trigger on chunks
    Catalog catalog(dir_ / "v2.db");
    catalog.database().exec(
        "CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN "
        "INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text); END; "
        "UPDATE schema_version SET version = 2");
  }
  Catalog catalog(dir_ / "v2.db");
  Statement triggers =
      catalog.database().prepare("SELECT count(*) FROM sqlite_schema WHERE name = 'chunks_fts_insert'");
  ASSERT_TRUE(triggers.step());
  EXPECT_EQ(triggers.column_int(0), 0);
  EXPECT_EQ(put(catalog, "/a.txt", "alpha beta gamma delta"), PutResult::added);
  EXPECT_EQ(fts_matches(catalog, "alpha"), 1);
  Statement hits = catalog.database().prepare(
      "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'gamma' AND rowid IN (SELECT id FROM chunks)");
  ASSERT_TRUE(hits.step());
  EXPECT_EQ(hits.column_int(0), 1);
  EXPECT_EQ(catalog.integrity_check(), "ok");  // a chunk indexed twice (trigger + put) fails this
}

TEST_F(CatalogTest, AddUnchangedReplaceRemove) {
  Catalog catalog(dir_ / "c.db");
  EXPECT_EQ(put(catalog, "/docs/a.txt", "alpha beta\ngamma delta\nepsilon"), PutResult::added);
  EXPECT_EQ(put(catalog, "/docs/b.txt", "zeta eta theta"), PutResult::added);
  EXPECT_EQ(catalog.document_count(), 2);
  EXPECT_EQ(catalog.chunk_count(), 5);
  EXPECT_TRUE(
      catalog.is_unchanged("/docs/a.txt", content_hash("alpha beta\ngamma delta\nepsilon"), "token 2"));
  EXPECT_FALSE(catalog.is_unchanged("/docs/a.txt", content_hash("other"), "token 2"));

  EXPECT_EQ(put(catalog, "/docs/a.txt", "alpha beta\ngamma delta\nepsilon"), PutResult::unchanged);
  EXPECT_EQ(put(catalog, "/docs/a.txt", "alpha beta\ngamma delta\nepsilon", "token 3"), PutResult::replaced);
  EXPECT_EQ(put(catalog, "/docs/a.txt", "omega psi"), PutResult::replaced);
  EXPECT_EQ(catalog.chunk_count(), 3);
  EXPECT_EQ(fts_matches(catalog, "gamma"), 0);
  EXPECT_EQ(fts_matches(catalog, "omega"), 1);
  const auto record = catalog.find_document("/docs/a.txt");
  ASSERT_TRUE(record);
  EXPECT_EQ(record->chunk_count, 1);
  EXPECT_EQ(record->content_hash, content_hash("omega psi"));
  EXPECT_EQ(record->mtime_ns, 7);

  EXPECT_EQ(catalog.remove_documents("/docs/a.txt"), 1u);
  EXPECT_EQ(catalog.remove_documents("/docs/a.txt"), 0u);
  EXPECT_EQ(fts_matches(catalog, "omega"), 0);
  EXPECT_EQ(catalog.chunk_count(), 2);
  EXPECT_EQ(catalog.integrity_check(), "ok");
}

TEST_F(CatalogTest, ChunksVersionIsTheIdentityAndTheGenerationAndMovesWithTheChunks) {
  Catalog catalog(dir_ / "c.db");
  Catalog other(dir_ / "other.db");
  const ChunksVersion empty = catalog.chunks_version();
  EXPECT_EQ(empty.catalog_id, catalog_id(catalog));
  EXPECT_EQ(empty.generation, catalog.chunks_generation());
  EXPECT_EQ(empty.catalog_id.size(), 32u);
  EXPECT_NE(other.chunks_version().catalog_id, empty.catalog_id);

  put(catalog, "/a.txt", "one two three");
  const ChunksVersion added = catalog.chunks_version();
  EXPECT_EQ(added.catalog_id, empty.catalog_id);
  EXPECT_GT(added.generation, empty.generation);
  EXPECT_EQ(added.generation, catalog.chunks_generation());
  put(catalog, "/a.txt", "one two three");  // unchanged: the chunks stay as they are
  EXPECT_EQ(catalog.chunks_version(), added);
  catalog.remove_documents("/a.txt");
  EXPECT_GT(catalog.chunks_version().generation, added.generation);
  EXPECT_FALSE(catalog.chunks_version() == added);
}

TEST_F(CatalogTest, RemovesADirectoryButNotItsNamesakes) {
  Catalog catalog(dir_ / "c.db");
  put(catalog, "/d/x/1.txt", "one");
  put(catalog, "/d/x/sub/2.txt", "two");
  put(catalog, "/d/xy/3.txt", "three");
  EXPECT_EQ(catalog.remove_documents("/d/x/"), 2u);
  ASSERT_EQ(catalog.documents().size(), 1u);
  EXPECT_EQ(catalog.documents()[0].path, "/d/xy/3.txt");
}

TEST_F(CatalogTest, ChunksAreLinkedWithLinesAndHeadings) {
  Catalog catalog(dir_ / "c.db");
  put(catalog, "/first.txt", "a b c");
  const std::string text = "one two\nthree\n\nfour five six";
  std::vector<text::Chunk> chunks = text::TokenChunker(2, 0).chunk(text);
  chunks[1].headings = {"Top", "Sub"};
  chunks[2].page = 3;
  DocumentInput input{"/second.txt", content_hash(text), 1, 2, "token 2", text, &chunks};
  auto transaction = catalog.begin_write();
  catalog.put_document(input);
  transaction.commit();

  const auto record = catalog.find_document("/second.txt");
  ASSERT_TRUE(record);
  const auto stored = catalog.chunks_of(record->id);
  ASSERT_EQ(stored.size(), 3u);
  for (size_t i = 0; i < stored.size(); ++i) {
    EXPECT_EQ(stored[i].ordinal, static_cast<int64_t>(i));
    EXPECT_EQ(stored[i].text, chunks[i].text);
    EXPECT_EQ(stored[i].byte_begin, static_cast<int64_t>(chunks[i].begin));
    if (i > 0) {
      EXPECT_EQ(stored[i].prev_id, stored[i - 1].id);
      EXPECT_EQ(stored[i - 1].next_id, stored[i].id);
      EXPECT_EQ(stored[i].id, stored[i - 1].id + 1);
    }
  }
  EXPECT_FALSE(stored.front().prev_id);
  EXPECT_FALSE(stored.back().next_id);
  EXPECT_EQ(stored[0].line_begin, 1);  // "one two"
  EXPECT_EQ(stored[0].line_end, 1);
  EXPECT_EQ(stored[1].line_begin, 2);  // "three\n\nfour"
  EXPECT_EQ(stored[1].line_end, 4);
  EXPECT_EQ(stored[2].line_begin, 4);
  EXPECT_EQ(stored[1].headings, (std::vector<std::string>{"Top", "Sub"}));
  EXPECT_EQ(stored[2].page, 3);
}

TEST_F(CatalogTest, AnUncommittedTransactionLeavesNothing) {
  Catalog catalog(dir_ / "c.db");
  {
    const std::string text = "never stored";
    const std::vector<text::Chunk> chunks = text::TokenChunker(1, 0).chunk(text);
    auto transaction = catalog.begin_write();
    catalog.put_document({"/gone.txt", content_hash(text), 1, 1, "t", text, &chunks});
  }
  EXPECT_EQ(catalog.document_count(), 0);
  EXPECT_EQ(catalog.chunk_count(), 0);
  EXPECT_EQ(fts_matches(catalog, "stored"), 0);
  const std::vector<text::Chunk> none;
  expect_error(
      [&] {
        catalog.put_document({"/x", "h", 1, 1, "t", "", &none});
      },
      ErrorKind::internal, "outside a transaction");
}

TEST_F(CatalogTest, ErrorsNameTheFile) {
  expect_error([&] { Catalog(dir_ / "no" / "such" / "c.db"); }, ErrorKind::not_found, (dir_ / "no").string());
  expect_error([&] { Catalog(dir_ / "missing.db", {.read_only = true}); }, ErrorKind::not_found,
               "missing.db");
  expect_error([&] { Catalog{dir_}; }, ErrorKind::invalid_input, "is a directory");

  std::ofstream(dir_ / "text.db") << "this is plain text, long enough to not be an empty database file....";
  expect_error([&] { Catalog(dir_ / "text.db"); }, ErrorKind::invalid_input, "text.db");
  expect_error([&] { Catalog(dir_ / "text.db", {.read_only = true}); }, ErrorKind::invalid_input, "text.db");

  {  // a SQLite database that is not ours
    sqlite3* db = nullptr;
    sqlite3_open((dir_ / "other.db").c_str(), &db);
    sqlite3_exec(db, "CREATE TABLE t(x)", nullptr, nullptr, nullptr);
    sqlite3_close(db);
  }
  expect_error([&] { Catalog(dir_ / "other.db"); }, ErrorKind::invalid_input, "not a chunkwise catalog");

  {  // a newer schema
    Catalog catalog(dir_ / "newer.db");
    catalog.database().exec("UPDATE schema_version SET version = 99");
  }
  expect_error([&] { Catalog(dir_ / "newer.db"); }, ErrorKind::unsupported, "version 99");

  {  // a catalog whose pages were overwritten
    Catalog catalog(dir_ / "corrupt.db");
    put(catalog, "/a.txt", std::string(20000, 'x') + " words");
  }
  {
    std::fstream file(dir_ / "corrupt.db", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(0);
    file << std::string(4096 * 2, '\x5a');
  }
  fs::remove(dir_ / "corrupt.db-wal");
  expect_error([&] { Catalog(dir_ / "corrupt.db"); }, ErrorKind::invalid_input, "corrupt.db");

  if (geteuid() != 0) {  // root ignores permissions
    fs::create_directory(dir_ / "ro");
    fs::permissions(dir_ / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    expect_error([&] { Catalog(dir_ / "ro" / "c.db"); }, ErrorKind::io, (dir_ / "ro" / "c.db").string());
  }
}

// One writer adds documents of varying sizes, one per transaction, while a reader checks that every document
// it sees has all of its chunks and full-text rows.
TEST_F(CatalogTest, ReadersSeeWholeDocumentsWhileAWriterIngests) {
  const fs::path path = dir_ / "c.db";
  { Catalog create(path); }
  std::atomic<bool> done = false;
  std::thread writer([&] {
    Catalog catalog(path);
    for (int i = 0; i < 150; ++i) {
      std::string text;
      for (int w = 0; w < 1 + (i * 37) % 200; ++w) text += "word" + std::to_string(w) + " ";
      put(catalog, "/doc" + std::to_string(i % 100), text + std::to_string(i));
    }
    done = true;
  });
  Catalog reader(path, {.read_only = true});
  int64_t checks = 0, last_count = 0;
  while (!done || checks < 5) {
    Statement partial = reader.database().prepare(
        "SELECT count(*), (SELECT count(*) FROM documents) FROM documents d "
        "WHERE chunk_count != (SELECT count(*) FROM chunks c WHERE c.document_id = d.id)");
    ASSERT_TRUE(partial.step());
    EXPECT_EQ(partial.column_int(0), 0);
    EXPECT_GE(partial.column_int(1), last_count);
    last_count = partial.column_int(1);
    ++checks;
  }
  writer.join();
  EXPECT_EQ(reader.document_count(), 100);
  Catalog check(path);
  EXPECT_EQ(check.integrity_check(), "ok");
}

}  // namespace
}  // namespace chunkwise::store
