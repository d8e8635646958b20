#include "retrieve/dense.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "retrieve/chunk_hits.h"

namespace chunkwise::retrieve {

std::vector<SearchHit> dense_search(store::Catalog& catalog, store::VectorIndex& index,
                                    std::span<const float> query, const DenseOptions& options) {
  for (const float x : query)
    if (!std::isfinite(x)) fail(ErrorKind::internal, "the query's embedding has a non-finite value");
  if (options.limit == 0) return {};
  const size_t total = index.size();
  size_t k = options.filter.empty() ? options.limit : options.limit * 4;
  for (;;) {
    k = std::min(k, total);
    std::vector<ScoredChunk> scored;
    for (const store::VectorMatch& match : index.search(query, k, std::max(options.ef, k)))
      scored.push_back({match.chunk_id, match.similarity});
    std::vector<SearchHit> hits = hits_for_chunks(catalog, scored, options.filter);
    if (hits.size() >= options.limit || k >= total) {
      if (hits.size() > options.limit) hits.resize(options.limit);
      return hits;
    }
    k *= 2;
  }
}

}  // namespace chunkwise::retrieve
