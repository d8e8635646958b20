// FTS5's snippet() for a chunk ranked outside FTS5 (retrieve/bm25_index.h), so that both BM25 paths show the
// same text: written from SQLite's documented behaviour and checked against it byte for byte
// (tests/retrieve/bm25_snippet_test.cc). For queries whose phrases are single tokens, which is all the
// in-memory index answers.
//
// How FTS5 picks the window of `tokens` tokens, for each match m (a token equal to one of the query's
// terms), in order:
//   - score the window [m, m + tokens): 1000 for each query term's first match inside it, 1 for each further
//     match; a better score than so far moves the window to start `(tokens - span) / 2` tokens before m
//     (span: from m to the window's last match), clamped to the chunk;
//   - if the chunk is longer than the window, also score the window from the start of m's sentence (a token
//     after whitespace after '.' or ':', or the chunk's first token) plus a bonus of 100 (120 at the chunk's
//     start), and take it, unadjusted, when that is better.
// The snippet is the window's text from its first token's first byte (the chunk's first byte when the
// window starts at 0) to its last token's last byte (the chunk's end when the window reaches it), matches
// wrapped in `open` / `close`, and `ellipsis` before a window that starts after the chunk's first token and
// after one that ends before its last.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "store/fts5_tokenizer.h"

namespace chunkwise::retrieve {

struct SnippetFormat {
  std::string_view open;   // before each match
  std::string_view close;  // after each match
  std::string_view ellipsis = "…";
  int tokens = 16;  // window length, 2..64 (FTS5 allows 1, with a special case not reproduced here)
};

// The snippet of `text` for the query terms `terms` (tokenized as the index tokenizes, one token each).
std::string fts5_snippet(store::Fts5Tokenizer& tokenizer, std::string_view text,
                         const std::vector<std::string>& terms, const SnippetFormat& format);

}  // namespace chunkwise::retrieve
