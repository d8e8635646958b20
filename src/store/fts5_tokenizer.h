// One of FTS5's tokenizers, called directly through the FTS5 extension API: the very code that tokenized the
// catalog's full-text index, so that an index kept outside FTS5 (retrieve/bm25_index.h) sees the same terms
// and the same token counts per chunk.
#pragma once

#include <string_view>
#include <type_traits>
#include <vector>

#include "store/sqlite.h"

struct fts5_api;
struct fts5_tokenizer;
struct Fts5Tokenizer;

namespace chunkwise::store {

// The connection's FTS5 extension API. Throws Error(internal) if SQLite was built without FTS5.
fts5_api* fts5_api_of(Database& db);

// One token as FTS5's tokenizer reports it: the term (folded, stemmed) and the bytes of the input it came
// from. A colocated token (a synonym) shares the position of the token before it.
struct Fts5Token {
  std::string_view term;
  size_t begin = 0;  // byte offsets in the tokenized text
  size_t end = 0;
  bool colocated = false;
};

// The catalog's full-text tokenizer (chunks_fts's tokenize= option), as FTS5 arguments.
inline constexpr std::string_view kCatalogTokenizer = "porter unicode61 remove_diacritics 2";

class Fts5Tokenizer {
 public:
  // `spec` as in FTS5's tokenize= option: a tokenizer name and its arguments, separated by spaces. Throws
  // Error(internal) if the connection has no FTS5 or no such tokenizer.
  Fts5Tokenizer(Database& db, std::string_view spec);
  ~Fts5Tokenizer();
  Fts5Tokenizer(const Fts5Tokenizer&) = delete;
  Fts5Tokenizer& operator=(const Fts5Tokenizer&) = delete;

  // Calls on_token(const Fts5Token&) for each token of `text`, in order; the term's view is valid during the
  // call only.
  template <typename OnToken>
  void tokenize(std::string_view text, OnToken&& on_token) {
    tokenize_with(text, &call<OnToken>, &on_token);
  }

 private:
  using Callback = void (*)(void* context, const Fts5Token& token);
  template <typename OnToken>
  static void call(void* context, const Fts5Token& token) {
    (*static_cast<std::remove_reference_t<OnToken>*>(context))(token);
  }
  void tokenize_with(std::string_view text, Callback callback, void* context);

  Database* db_;
  struct Api;
  Api* api_ = nullptr;
};

}  // namespace chunkwise::store
