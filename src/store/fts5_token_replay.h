// Tokens for the catalog's full-text index, computed ahead on another thread and handed to FTS5 when it asks.
//
// FTS5 tokenizes each chunk inside the INSERT that indexes it, on the writing thread; with
// 'porter unicode61 remove_diacritics 2' that was ~40% of FTS5's share of an index build. A writer therefore
// tokenizes the next documents' chunks on a second thread with SQLite's own porter (on a private in-memory
// connection: the same code, the same arguments), and register_token_replay(db) puts, on the writing
// connection only, a tokenizer named "porter" in front of the built-in one (FTS5 finds tokenizers newest
// first; the schema, the file and every other reader stay as they are). When FTS5 tokenizes a document text
// that is byte for byte the one expected (TokenReplay::expect), it gets the prepared tokens; anything else
// (another text, queries, highlight) goes to SQLite's porter unchanged. So the index holds exactly the terms
// it would hold without the replay; tests/store/fts5_token_replay_test.cc checks that through FTS5's
// integrity-check and the rankings.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "store/fts5_tokenizer.h"
#include "store/sqlite.h"
#include "text/chunk/chunk.h"

namespace chunkwise::store {

// One text's tokens as a tokenizer reported them, in order.
struct PreparedTokens {
  struct Token {
    uint32_t term_begin = 0;  // in `terms`
    uint32_t term_size = 0;
    uint32_t begin = 0;  // bytes of the text
    uint32_t end = 0;
    bool colocated = false;
  };
  std::string terms;
  std::vector<Token> tokens;
};

// Tokenizes `text` as FTS5 does when it indexes a document (FTS5_TOKENIZE_DOCUMENT).
PreparedTokens prepare_tokens(Fts5Tokenizer& tokenizer, std::string_view text);

class TokenReplay {
 public:
  // While the returned guard lives, a document tokenization of exactly `text` (same bytes) gets `tokens`;
  // both must outlive the guard.
  class [[nodiscard]] Expectation {
   public:
    explicit Expectation(TokenReplay& replay) : replay_(replay) {}
    ~Expectation() { replay_.expect_nothing(); }
    Expectation(const Expectation&) = delete;
    Expectation& operator=(const Expectation&) = delete;

   private:
    TokenReplay& replay_;
  };
  Expectation expect(std::string_view text, const PreparedTokens& tokens) {
    text_ = text;
    tokens_ = &tokens;
    return Expectation(*this);
  }

  // Called by the registered tokenizer: the prepared tokens for this text, or nullptr.
  const PreparedTokens* tokens_for(std::string_view text) const;
  int64_t replayed() const { return replayed_; }  // texts answered from prepared tokens (for tests)

 private:
  void expect_nothing() {
    text_ = {};
    tokens_ = nullptr;
  }

  std::string_view text_;
  const PreparedTokens* tokens_ = nullptr;
  mutable int64_t replayed_ = 0;
};

// Prepares the tokens of documents' chunks on a thread of its own, a few documents ahead of the writer that
// takes them in order. Without a second hardware thread, or if the thread cannot tokenize (no FTS5), it
// prepares nothing and tokens() gives nullptr: the writer's FTS5 then tokenizes as usual.
class TokenPreparer {
 public:
  // `documents[i]` are the chunks of document i; they must outlive the preparer.
  explicit TokenPreparer(std::vector<const std::vector<text::Chunk>*> documents, size_t lookahead = 4);
  ~TokenPreparer();
  TokenPreparer(const TokenPreparer&) = delete;
  TokenPreparer& operator=(const TokenPreparer&) = delete;

  // Document i's tokens, one per chunk, once ready (waits), or nullptr; valid until tokens(j) for a j > i.
  // Call with increasing i.
  const std::vector<PreparedTokens>* tokens(size_t i);

 private:
  void run();

  std::vector<const std::vector<text::Chunk>*> documents_;
  std::vector<std::vector<PreparedTokens>> prepared_;
  size_t lookahead_;
  std::mutex mutex_;
  std::condition_variable changed_;
  size_t ready_ = 0;     // documents [0, ready_) are prepared
  size_t consumed_ = 0;  // the writer has moved on to document consumed_
  bool failed_ = false, stop_ = false;
  std::thread thread_;
};

// Registers the replaying "porter" on `db` and returns its state, owned by the connection (valid until it is
// closed). Call before the connection first opens an FTS5 table. Throws Error(internal) without FTS5.
TokenReplay* register_token_replay(Database& db);

}  // namespace chunkwise::store
