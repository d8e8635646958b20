// Token replay (store/fts5_token_replay.h): a catalog filled through put_documents, whose chunks' tokens are
// prepared on a second thread and replayed to FTS5, holds byte for byte the full-text index of one filled a
// document at a time by FTS5's own tokenizer; replay answers only the expected text; wrong prepared tokens
// would show (so the comparison can fail).
#include "store/fts5_token_replay.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "store/catalog.h"
#include "support/temp_dir.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::store {
namespace {

// Words that porter stems, mixed case, digits, punctuation and non-ASCII letters with diacritics.
std::string random_document(std::mt19937& rng) {
  static const std::vector<std::string> words = {
      "Running", "runs", "ran",    "nationalization", "connected", "Connection", "caresses",
      "ponies",  "ties", "happy",  "relational",      "x86_64",    "v20.1",      "don't",
      "e-mail",  "café", "naïve",  "Straße",          "ΩMEGA",     "résumé",     "the",
      "a",       "of",   "12345",  "generalizations", "hopeful",   "(sic)",      "--flag",
      "ÉCOLE",   "über", "日本語", "emoji🙂ok"};
  std::uniform_int_distribution<size_t> pick(0, words.size() - 1), length(20, 400);
  std::string text;
  const size_t count = length(rng);
  for (size_t i = 0; i < count; ++i) {
    text += words[pick(rng)];
    text += (rng() % 9 == 0) ? ".\n" : " ";
  }
  return text;
}

struct Stored {
  std::vector<std::string> texts;
  std::vector<std::vector<text::Chunk>> chunks;
};

Stored random_corpus(unsigned seed, size_t documents, bool ascii_only) {
  std::mt19937 rng(seed);
  Stored stored;
  for (size_t i = 0; i < documents; ++i) {
    std::string text = random_document(rng);
    if (ascii_only) std::erase_if(text, [](char c) { return static_cast<unsigned char>(c) >= 0x80; });
    stored.texts.push_back(text);
    stored.chunks.push_back(text::TokenChunker(40, 8).chunk(stored.texts.back()));
  }
  return stored;
}

std::vector<DocumentInput> inputs_of(const Stored& stored) {
  std::vector<DocumentInput> inputs;
  for (size_t i = 0; i < stored.texts.size(); ++i) {
    const std::string number = std::to_string(i);
    inputs.push_back({std::string("/doc").append(number), std::string("h").append(number),
                      int64_t(stored.texts[i].size()), 0, "token", stored.texts[i], &stored.chunks[i]});
  }
  return inputs;
}

// Everything FTS5 keeps for chunks_fts, as text.
std::string index_contents(Catalog& catalog) {
  std::string contents;
  for (const char* sql : {"SELECT id, hex(block) FROM chunks_fts_data ORDER BY id",
                          "SELECT id, hex(sz) FROM chunks_fts_docsize ORDER BY id",
                          "SELECT hex(segid), hex(term), pgno FROM chunks_fts_idx ORDER BY segid, term"}) {
    Statement rows = catalog.database().prepare(sql);
    while (rows.step()) contents += rows.column_text(0) + " " + rows.column_text(1) + "\n";
  }
  return contents;
}

TEST(Fts5TokenReplay, PutDocumentsIndexesExactlyAsFts5DoesAlone) {
  for (const bool ascii_only : {true, false}) {
    const Stored stored = random_corpus(ascii_only ? 7 : 8, 40, ascii_only);
    const std::vector<DocumentInput> inputs = inputs_of(stored);
    chunkwise::testing::TempDir dir;
    Catalog replayed(dir / "replayed.db"), plain(dir / "plain.db");
    {
      auto transaction = replayed.begin_write();
      const std::vector<PutResult> results = replayed.put_documents(inputs);
      transaction.commit();
      ASSERT_EQ(results.size(), inputs.size());
      for (const PutResult result : results) EXPECT_EQ(result, PutResult::added);
    }
    {
      auto transaction = plain.begin_write();
      for (const DocumentInput& input : inputs) plain.put_document(input);
      transaction.commit();
    }
    size_t chunk_count = 0;
    for (const auto& chunks : stored.chunks) chunk_count += chunks.size();
    // Every chunk of the second and later documents came from the other thread (the first may too).
    EXPECT_GE(replayed.token_replay()->replayed(), int64_t(chunk_count - stored.chunks[0].size()));
    EXPECT_EQ(plain.token_replay()->replayed(), 0);
    EXPECT_EQ(index_contents(replayed), index_contents(plain)) << "ascii_only " << ascii_only;
    EXPECT_GT(index_contents(plain).size(), 1000u);
    EXPECT_EQ(replayed.integrity_check(), "ok");
    Statement match = replayed.database().prepare(
        "SELECT count(*) FROM chunks_fts WHERE chunks_fts MATCH 'run OR nation OR connect'");
    ASSERT_TRUE(match.step());
    EXPECT_GT(match.column_int(0), 0);
  }
}

TEST(Fts5TokenReplay, AnswersOnlyTheExpectedText) {
  chunkwise::testing::TempDir dir;
  Database db(dir / "t.db", Database::Mode::read_write, 1000);
  TokenReplay* replay = register_token_replay(db);
  db.exec("CREATE VIRTUAL TABLE t USING fts5(x, tokenize='porter unicode61 remove_diacritics 2')");
  Database memory(":memory:", Database::Mode::read_write, 0);
  Fts5Tokenizer tokenizer(memory, kCatalogTokenizer);
  const PreparedTokens other = prepare_tokens(tokenizer, "zebra zebra");
  {
    const TokenReplay::Expectation expected = replay->expect("alpha beta", other);
    db.exec("INSERT INTO t(rowid, x) VALUES (1, 'gamma delta')");  // not the expected text
  }
  EXPECT_EQ(replay->replayed(), 0);
  auto count = [&](const char* query) {
    Statement rows = db.prepare("SELECT count(*) FROM t WHERE t MATCH ?");
    rows.bind(1, std::string_view(query));
    rows.step();
    return rows.column_int(0);
  };
  EXPECT_EQ(count("gamma"), 1);
  EXPECT_EQ(count("zebra"), 0);
}

TEST(Fts5TokenReplay, WrongPreparedTokensWouldShowInTheIndex) {
  // What the comparison above guards against: replayed tokens are what FTS5 indexes, so tokens of another
  // text end up in the index and FTS5's integrity-check finds them against the content.
  chunkwise::testing::TempDir dir;
  Database db(dir / "t.db", Database::Mode::read_write, 1000);
  TokenReplay* replay = register_token_replay(db);
  db.exec("CREATE TABLE c(id INTEGER PRIMARY KEY, x TEXT)");
  db.exec(
      "CREATE VIRTUAL TABLE t USING fts5(x, content='c', content_rowid='id', "
      "tokenize='porter unicode61 remove_diacritics 2')");
  Database memory(":memory:", Database::Mode::read_write, 0);
  Fts5Tokenizer tokenizer(memory, kCatalogTokenizer);
  const PreparedTokens other = prepare_tokens(tokenizer, "zebra stripes");
  db.exec("INSERT INTO c(id, x) VALUES (1, 'gamma delta')");
  {
    const TokenReplay::Expectation expected = replay->expect("gamma delta", other);
    db.exec("INSERT INTO t(rowid, x) VALUES (1, 'gamma delta')");
  }
  EXPECT_EQ(replay->replayed(), 1);
  Statement rows = db.prepare("SELECT count(*) FROM t WHERE t MATCH 'stripe'");
  ASSERT_TRUE(rows.step());
  EXPECT_EQ(rows.column_int(0), 1);
  EXPECT_THROW(db.exec("INSERT INTO t(t, rank) VALUES ('integrity-check', 1)"), Error);
}

TEST(Fts5TokenReplay, PreparerGivesEachDocumentsTokensInOrder) {
  const Stored stored = random_corpus(9, 12, false);
  std::vector<const std::vector<text::Chunk>*> documents;
  for (const auto& chunks : stored.chunks) documents.push_back(&chunks);
  TokenPreparer preparer(documents, 2);
  Database memory(":memory:", Database::Mode::read_write, 0);
  Fts5Tokenizer tokenizer(memory, kCatalogTokenizer);
  for (size_t i = 0; i < documents.size(); ++i) {
    const std::vector<PreparedTokens>* tokens = preparer.tokens(i);
    ASSERT_NE(tokens, nullptr) << i;  // the test machines have two hardware threads or more
    ASSERT_EQ(tokens->size(), stored.chunks[i].size());
    for (size_t c = 0; c < tokens->size(); ++c) {
      const PreparedTokens expected = prepare_tokens(tokenizer, stored.chunks[i][c].text);
      EXPECT_EQ((*tokens)[c].terms, expected.terms);
      ASSERT_EQ((*tokens)[c].tokens.size(), expected.tokens.size());
      for (size_t t = 0; t < expected.tokens.size(); ++t) {
        EXPECT_EQ((*tokens)[c].tokens[t].begin, expected.tokens[t].begin);
        EXPECT_EQ((*tokens)[c].tokens[t].end, expected.tokens[t].end);
        EXPECT_EQ((*tokens)[c].tokens[t].term_size, expected.tokens[t].term_size);
      }
    }
  }
  EXPECT_EQ(preparer.tokens(documents.size()), nullptr);
}

TEST(Fts5TokenReplay, APreparerLeftEarlyStopsItsThread) {
  const Stored stored = random_corpus(10, 30, true);
  std::vector<const std::vector<text::Chunk>*> documents;
  for (const auto& chunks : stored.chunks) documents.push_back(&chunks);
  TokenPreparer preparer(documents, 1);
  ASSERT_NE(preparer.tokens(0), nullptr);
  // The destructor stops the thread waiting to go beyond document 1 (a hang here fails the test by timeout).
}

}  // namespace
}  // namespace chunkwise::store
