// Dense retrieval: the query's embedding against the HNSW index of the same model; score = cosine
// similarity. With a filter the index is asked for more neighbours (4x, then doubling up to all of them)
// until enough pass it, so a narrow filter still finds its chunks. Chunks that no longer exist are never
// returned (hits are read from the catalog by id).
#pragma once

#include <span>
#include <vector>

#include "retrieve/search_filter.h"
#include "retrieve/search_hit.h"
#include "store/catalog.h"
#include "store/vector_index.h"

namespace chunkwise::retrieve {

struct DenseOptions {
  size_t limit = 10;  // how many hits at most
  size_t ef = 64;     // HNSW search candidate list (at least the number of neighbours asked for)
  SearchFilter filter;
};

std::vector<SearchHit> dense_search(store::Catalog& catalog, store::VectorIndex& index,
                                    std::span<const float> query, const DenseOptions& options);

}  // namespace chunkwise::retrieve
