#include "retrieve/search.h"

#include "common/error.h"
#include "retrieve/bm25.h"
#include "retrieve/chunk_embedding.h"
#include "retrieve/chunk_hits.h"
#include "retrieve/dense.h"
#include "retrieve/fusion.h"

namespace chunkwise::retrieve {

SearchMode parse_search_mode(std::string_view name) {
  if (name == "bm25") return SearchMode::bm25;
  if (name == "dense") return SearchMode::dense;
  if (name == "hybrid") return SearchMode::hybrid;
  fail(ErrorKind::invalid_input, "search mode '{}': expected bm25, dense or hybrid", name);
}

std::vector<SearchHit> ranked_candidates(store::Catalog& catalog, const SearchRequest& request,
                                         const DenseSide* dense) {
  std::vector<RankedList> lists;
  if (request.mode != SearchMode::dense) {
    Bm25Options bm25;
    bm25.limit = request.candidates;
    bm25.filter = request.filter;
    bm25.highlight_open = request.highlight_open;
    bm25.highlight_close = request.highlight_close;
    bm25.index = request.bm25_index;
    lists.push_back({bm25_search(catalog, request.query, bm25), request.bm25_weight});
  }
  if (request.mode != SearchMode::bm25) {
    if (!dense || !dense->embedder || !dense->model || !dense->index)
      fail(ErrorKind::internal, "dense search without an embedding model and index");
    const std::vector<float> query = embed_query(*dense->embedder, request.query, dense->query_prefix);
    DenseOptions options;
    options.limit = request.candidates;
    options.ef = request.ef;
    options.filter = request.filter;
    lists.push_back({dense_search(catalog, *dense->index, query, options), request.dense_weight});
  }
  std::vector<SearchHit> ranked = request.mode == SearchMode::hybrid
                                      ? reciprocal_rank_fusion(std::move(lists), request.rrf_k)
                                      : std::move(lists.front().hits);
  if (ranked.size() > request.candidates) ranked.resize(request.candidates);
  if (request.attach_embeddings && dense && dense->model) attach_embeddings(catalog, *dense->model, ranked);
  return ranked;
}

std::unique_ptr<Selector> make_catalog_selector(store::Catalog& catalog, std::string_view name,
                                                SelectorOptions options) {
  options.neighbours = [&catalog](int64_t document_id, int64_t ordinal) {
    return chunk_at(catalog, document_id, ordinal);
  };
  return make_selector(name, options);
}

}  // namespace chunkwise::retrieve
