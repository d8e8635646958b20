// BM25 retrieval over the catalog's FTS5 index. The user's text is never parsed as FTS5 syntax: it is split
// on whitespace and each word becomes a quoted phrase, the phrases joined with OR, so operators, quotes,
// parentheses and column filters in a query are just words. Scores are FTS5's bm25() negated (FTS5 ranks
// lower = better), so a higher score is better.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "retrieve/bm25_index.h"
#include "retrieve/search_filter.h"
#include "retrieve/search_hit.h"
#include "store/catalog.h"

namespace chunkwise::retrieve {

struct Bm25Options {
  size_t limit = 10;           // how many hits at most
  std::string highlight_open;  // put around matched terms in snippets
  std::string highlight_close;
  int snippet_tokens = 16;  // snippet length in tokens (FTS5 allows 1..64)
  SearchFilter filter;      // only chunks of matching documents
  // Rank from these in-memory postings (the same scores as FTS5's, see bm25_index.h) and write FTS5's
  // snippets without FTS5 (bm25_snippet.h) when the query allows it: no filter, each word one token, and
  // snippets of 2 tokens or more. FTS5 ranks otherwise.
  Bm25IndexCache* index = nullptr;
};

// The FTS5 query for `query`: its words (split at whitespace and ASCII punctuation, as the index splits the
// documents), each quoted, OR-ed; empty when the query is only punctuation (it can match nothing). Throws
// Error(invalid_input) for a blank query.
std::string fts5_query(std::string_view query);

// Hits in order of decreasing score.
std::vector<SearchHit> bm25_search(store::Catalog& catalog, std::string_view query,
                                   const Bm25Options& options);

}  // namespace chunkwise::retrieve
