// One search as the CLI (and the evaluation harness) runs it: the mode's ranked candidates, then a selector.
//   bm25    FTS5's BM25
//   dense   the query's embedding against the model's vector index (cosine)
//   hybrid  reciprocal rank fusion of both lists, each `candidates` long
// The caller owns the dense side (embedder, model, index: loaded once, reused across queries) and should hold
// a store::ReadTransaction around open-index + search so that everything read agrees.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/embedder.h"
#include "retrieve/bm25_index.h"
#include "retrieve/search_filter.h"
#include "retrieve/search_hit.h"
#include "retrieve/selector.h"
#include "store/catalog.h"
#include "store/embeddings.h"
#include "store/vector_index.h"

namespace chunkwise::retrieve {

enum class SearchMode { bm25, dense, hybrid };
// "bm25", "dense" or "hybrid"; Error(invalid_input) otherwise.
SearchMode parse_search_mode(std::string_view name);

struct DenseSide {
  const model::Embedder* embedder = nullptr;
  const store::EmbeddingModel* model = nullptr;
  store::VectorIndex* index = nullptr;
  std::string query_prefix;
};

struct SearchRequest {
  std::string query;
  SearchMode mode = SearchMode::bm25;
  size_t candidates = 10;  // length of each ranked list
  SearchFilter filter;
  double bm25_weight = 1;  // hybrid
  double dense_weight = 1;
  double rrf_k = 60;
  size_t ef = 64;  // dense
  std::string highlight_open, highlight_close;
  bool attach_embeddings = false;  // read the candidates' embeddings for the selectors that compare chunks
  // Long-lived callers: rank BM25 from in-memory postings (retrieve/bm25_index.h).
  Bm25IndexCache* bm25_index = nullptr;
};

// The ranked candidates; `dense` must be set for dense and hybrid (Error(internal) otherwise).
std::vector<SearchHit> ranked_candidates(store::Catalog& catalog, const SearchRequest& request,
                                         const DenseSide* dense);

// A selector that looks up neighbours in `catalog` (for meteora).
std::unique_ptr<Selector> make_catalog_selector(store::Catalog& catalog, std::string_view name,
                                                SelectorOptions options);

}  // namespace chunkwise::retrieve
