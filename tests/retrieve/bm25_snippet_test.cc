// fts5_snippet against FTS5's own snippet(), byte for byte: hand-written chunks for the cases the algorithm
// distinguishes (window inside a short chunk, sentence starts after '.' and ':', matches at both ends,
// repeated and duplicated query terms, stems, diacritics, markup before the first token), then many random
// chunks from a small vocabulary with random punctuation, for window lengths 2 to 64.
#include "retrieve/bm25_snippet.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <random>

#include "common/error.h"
#include "store/sqlite.h"
#include "support/temp_dir.h"

namespace chunkwise::retrieve {
namespace {

namespace fs = std::filesystem;

class Bm25SnippetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = std::make_unique<store::Database>(dir_ / "s.db", store::Database::Mode::read_write, 1000);
    db_->exec("PRAGMA synchronous = OFF");  // one write per case: no fsync
    db_->exec(
        ("CREATE VIRTUAL TABLE t USING fts5(text, tokenize='" + std::string(store::kCatalogTokenizer) + "')")
            .c_str());
    tokenizer_ = std::make_unique<store::Fts5Tokenizer>(*db_, store::kCatalogTokenizer);
  }
  void TearDown() override {
    tokenizer_.reset();
    db_.reset();
  }

  // The query words as index terms (each word one token in these tests).
  std::vector<std::string> terms(const std::vector<std::string>& words) {
    std::vector<std::string> out;
    for (const std::string& word : words)
      tokenizer_->tokenize(word, [&](const store::Fts5Token& token) { out.emplace_back(token.term); });
    EXPECT_EQ(out.size(), words.size());
    return out;
  }

  // FTS5's snippet of `text` for the OR of `words`; empty if the row does not match.
  std::string fts5(const std::string& text, const std::vector<std::string>& words, int tokens) {
    db_->exec("DELETE FROM t");
    store::Statement insert = db_->prepare("INSERT INTO t(rowid, text) VALUES (1, ?1)");
    insert.bind(1, text);
    insert.step();
    std::string match;
    for (const std::string& word : words) match += (match.empty() ? "\"" : " OR \"") + word + "\"";
    store::Statement query = db_->prepare("SELECT snippet(t, 0, '[', ']', '…', ?2) FROM t WHERE t MATCH ?1");
    query.bind(1, match).bind(2, int64_t{tokens});
    return query.step() ? query.column_text(0) : std::string();
  }

  void expect_same(const std::string& text, const std::vector<std::string>& words, int tokens) {
    const std::string expected = fts5(text, words, tokens);
    if (expected.empty()) return;  // no match: the in-memory path never asks for such a snippet
    ++compared_;
    EXPECT_EQ(fts5_snippet(*tokenizer_, text, terms(words), {"[", "]", "…", tokens}), expected)
        << "text: " << text << "\ntokens: " << tokens;
  }

  chunkwise::testing::TempDir dir_{"chunkwise-snippet"};
  std::unique_ptr<store::Database> db_;
  std::unique_ptr<store::Fts5Tokenizer> tokenizer_;
  size_t compared_ = 0;
};

TEST_F(Bm25SnippetTest, MatchesFts5OnHandWrittenChunks) {
  const std::vector<std::string> texts = {
      "The cat sat.",
      "## Cats\n\nThe cat sat on the mat. Cats purr when content. A dog is not a cat: it barks at cats.",
      "Intro words without any match at all here, then later. The dog runs. Running dogs ran to the cat!!",
      "cat " + std::string(200, 'x') + " middle words and more words to make it long, cat.",
      "Déjà vu: the café serves crème brûlée. Cafe owners like the cafés' dogs:   cats\tsleep.\r\nEnd cat",
      "one two three four five six seven eight nine ten eleven twelve thirteen fourteen fifteen sixteen "
      "seventeen eighteen nineteen twenty cat twentyone twentytwo. twentythree dog: twentyfour cat",
      "   leading space cat trailing punctuation ...",
  };
  const std::vector<std::vector<std::string>> queries = {{"cat"},
                                                         {"cat", "dog"},
                                                         {"the", "cat", "the"},
                                                         {"running"},
                                                         {"cafe", "creme"},
                                                         {"twenty", "dog", "cat"},
                                                         {"x"},
                                                         {"sat", "mat", "purr", "content"}};
  for (const std::string& text : texts)
    for (const auto& words : queries)
      for (int tokens : {2, 3, 4, 5, 7, 8, 16, 64}) expect_same(text, words, tokens);
  EXPECT_GT(compared_, 200u);  // the cases did match
}

TEST_F(Bm25SnippetTest, MatchesFts5OnRandomChunks) {
  const std::vector<std::string> vocabulary = {"alpha", "beta",  "gamma", "delta", "epsilon", "zeta",
                                               "eta",   "theta", "iota",  "kappa", "lambda",  "mu"};
  const std::vector<std::string> separators = {" ",  " ",     " ",  " ",  ", ", ". ",
                                               ": ", ".\n\n", " (", ") ", "\t", "-"};
  std::mt19937 random(7);
  auto pick = [&](const std::vector<std::string>& from) { return from[random() % from.size()]; };
  for (int chunk = 0; chunk < 150; ++chunk) {
    std::string text = random() % 4 == 0 ? "# " : "";
    const size_t words = 1 + random() % 90;
    for (size_t w = 0; w < words; ++w) text += pick(vocabulary) + (w + 1 < words ? pick(separators) : ".");
    std::vector<std::string> query;
    for (size_t q = 1 + random() % 4; q > 0; --q) query.push_back(pick(vocabulary));
    for (int tokens : {2, 3, 6, 10, 16, 33, 64}) expect_same(text, query, tokens);
  }
  EXPECT_GT(compared_, 500u);
}

TEST_F(Bm25SnippetTest, RejectsWindowsFts5HandlesSpecially) {
  EXPECT_THROW(fts5_snippet(*tokenizer_, "a cat", terms({"cat"}), {"[", "]", "…", 1}), Error);
  EXPECT_THROW(fts5_snippet(*tokenizer_, "a cat", terms({"cat"}), {"[", "]", "…", 65}), Error);
}

}  // namespace
}  // namespace chunkwise::retrieve
