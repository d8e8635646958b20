// BM25 over postings held in memory, for processes that answer many queries (the server, benchmarks): FTS5's
// bm25() scores every matching row through its auxiliary-function API (~0.5 us a row, no top-k pruning),
// which for OR queries of common words is most of a query's time. The index is built from the catalog's
// chunks with FTS5's own tokenizer (store/fts5_tokenizer.h) and scores with FTS5's formula (k1 = 1.2,
// b = 0.75, idf = ln((N - n + 0.5) / (n + 0.5)) floored at 1e-6, the phrases' terms summed in query order),
// so its ranking and scores are FTS5's. It answers queries whose words are each one token (as
// retrieve::fts5_query writes them: ASCII words); others go to FTS5 (retrieve/bm25.h decides).
//
// An index belongs to one catalog at one chunks generation (store::Catalog::chunks_version);
// Bm25IndexCache rebuilds it when the catalog it is asked about has moved on.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retrieve/chunk_hits.h"
#include "store/catalog.h"

namespace chunkwise::retrieve {

class Bm25Index {
 public:
  // Reads and tokenizes every chunk of `catalog` (in the caller's read snapshot).
  static std::shared_ptr<const Bm25Index> build(store::Catalog& catalog);

  // The best `limit` chunks (score: higher is better, FTS5's bm25() negated) for the OR of `terms` (already
  // tokenized: one token each, duplicates count twice, as FTS5 counts a repeated phrase), by decreasing
  // score, ties by increasing chunk id.
  std::vector<ScoredChunk> search(const std::vector<std::string>& terms, size_t limit) const;

  const store::ChunksVersion& version() const { return version_; }
  size_t chunk_count() const { return chunk_ids_.size(); }
  size_t term_count() const { return term_offsets_.empty() ? 0 : term_offsets_.size() - 1; }

 private:
  std::optional<uint32_t> term(std::string_view token) const;

  store::ChunksVersion version_;
  std::vector<int64_t> chunk_ids_;       // by chunk index (increasing ids)
  std::vector<uint32_t> chunk_lengths_;  // tokens per chunk, as FTS5's docsize
  double average_length_ = 0;
  // Terms sorted; postings of term t are entries [term_offsets_[t], term_offsets_[t + 1]).
  std::vector<std::string> terms_;
  std::vector<uint32_t> term_offsets_;
  std::vector<uint32_t> posting_chunks_;       // chunk index
  std::vector<uint32_t> posting_frequencies_;  // occurrences in that chunk
};

// The current index of whichever catalog it is asked about; safe to share between threads.
class Bm25IndexCache {
 public:
  // The index for `catalog` as the caller's snapshot sees it (built or rebuilt when missing or stale).
  std::shared_ptr<const Bm25Index> get(store::Catalog& catalog);

 private:
  std::mutex mutex_;
  std::shared_ptr<const Bm25Index> index_;
};

}  // namespace chunkwise::retrieve
