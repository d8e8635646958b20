// Search hits read from the catalog by chunk id, for the retrieval modes that find chunk ids elsewhere
// (the dense index) and for selectors that add neighbouring chunks.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "retrieve/search_filter.h"
#include "retrieve/search_hit.h"
#include "store/catalog.h"
#include "store/embeddings.h"

namespace chunkwise::retrieve {

struct ScoredChunk {
  int64_t chunk_id = 0;
  double score = 0;
};

// Hits for the chunks in the given order, leaving out chunks that no longer exist or fail the filter; the
// snippet is the start of the text.
// The columns of a hit, for a query joining chunks c and documents d; read_hit reads them (from column 0) as
// a hit with `score` and, unless the caller writes its own, the leading snippet.
inline constexpr const char* kHitColumns =
    "c.id, c.document_id, c.ordinal, d.path, c.byte_begin, c.byte_end, c.line_begin, c.line_end, "
    "c.token_count, c.headings, c.page, c.text";
inline constexpr int kHitColumnCount = 12;
enum class HitSnippet { leading, none };
SearchHit read_hit(const store::Statement& row, double score, HitSnippet snippet = HitSnippet::leading);

std::vector<SearchHit> hits_for_chunks(store::Catalog& catalog, const std::vector<ScoredChunk>& chunks,
                                       const SearchFilter& filter = {});
// The chunk at `ordinal` of document `document_id` as a hit with score 0, if there is one.
std::optional<SearchHit> chunk_at(store::Catalog& catalog, int64_t document_id, int64_t ordinal);
// Sets each hit's embedding from the model's stored embeddings (hits without one keep none).
void attach_embeddings(store::Catalog& catalog, const store::EmbeddingModel& model,
                       std::vector<SearchHit>& hits);

// The first `words` words of `text` on one line, with "…" if there is more.
std::string leading_snippet(std::string_view text, size_t words = 16);

}  // namespace chunkwise::retrieve
