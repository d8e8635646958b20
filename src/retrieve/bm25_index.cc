#include "retrieve/bm25_index.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "store/fts5_tokenizer.h"

namespace chunkwise::retrieve {

namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

}  // namespace

std::shared_ptr<const Bm25Index> Bm25Index::build(store::Catalog& catalog) {
  auto index = std::make_shared<Bm25Index>();
  index->version_ = catalog.chunks_version();

  store::Fts5Tokenizer tokenizer(catalog.database(), store::kCatalogTokenizer);
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> term_ids;
  std::vector<std::vector<std::pair<uint32_t, uint32_t>>> postings;  // by term id: (chunk, frequency)
  std::vector<uint32_t> chunk_terms;
  uint64_t total_length = 0;
  store::Statement rows = catalog.database().prepare("SELECT id, text FROM chunks ORDER BY id");
  while (rows.step()) {
    const auto chunk = static_cast<uint32_t>(index->chunk_ids_.size());
    index->chunk_ids_.push_back(rows.column_int(0));
    chunk_terms.clear();
    uint32_t length = 0;
    tokenizer.tokenize(rows.column_text(1), [&](const store::Fts5Token& token) {
      auto found = term_ids.find(token.term);
      if (found == term_ids.end()) {
        found = term_ids.emplace(std::string(token.term), static_cast<uint32_t>(postings.size())).first;
        postings.emplace_back();
      }
      chunk_terms.push_back(found->second);
      length += !token.colocated;  // FTS5's docsize counts positions, not colocated synonyms
    });
    index->chunk_lengths_.push_back(length);
    total_length += length;
    std::sort(chunk_terms.begin(), chunk_terms.end());
    for (size_t i = 0; i < chunk_terms.size();) {
      size_t j = i + 1;
      while (j < chunk_terms.size() && chunk_terms[j] == chunk_terms[i]) ++j;
      postings[chunk_terms[i]].push_back({chunk, static_cast<uint32_t>(j - i)});
      i = j;
    }
  }
  if (!index->chunk_ids_.empty())
    index->average_length_ =
        static_cast<double>(total_length) / static_cast<double>(index->chunk_ids_.size());

  // Terms in sorted order, postings flattened in that order.
  std::vector<std::pair<std::string_view, uint32_t>> sorted;
  sorted.reserve(term_ids.size());
  for (const auto& [term, id] : term_ids) sorted.emplace_back(term, id);
  std::sort(sorted.begin(), sorted.end());
  size_t posting_count = 0;
  for (const auto& list : postings) posting_count += list.size();
  index->terms_.reserve(sorted.size());
  index->term_offsets_.reserve(sorted.size() + 1);
  index->posting_chunks_.reserve(posting_count);
  index->posting_frequencies_.reserve(posting_count);
  index->term_offsets_.push_back(0);
  for (const auto& [term, id] : sorted) {
    index->terms_.emplace_back(term);
    for (const auto& [chunk, frequency] : postings[id]) {
      index->posting_chunks_.push_back(chunk);
      index->posting_frequencies_.push_back(frequency);
    }
    index->term_offsets_.push_back(static_cast<uint32_t>(index->posting_chunks_.size()));
  }
  return index;
}

std::optional<uint32_t> Bm25Index::term(std::string_view token) const {
  const auto found = std::lower_bound(terms_.begin(), terms_.end(), token,
                                      [](const std::string& a, std::string_view b) { return a < b; });
  if (found == terms_.end() || *found != token) return std::nullopt;
  return static_cast<uint32_t>(found - terms_.begin());
}

std::vector<ScoredChunk> Bm25Index::search(const std::vector<std::string>& terms, size_t limit) const {
  if (chunk_ids_.empty() || limit == 0) return {};
  // FTS5's bm25(): per row, the sum over the query's phrases in their order of
  //   idf * (f * (k1 + 1)) / (f + k1 * (1 - b + b * D / avgdl)),
  // a phrase absent from the row adding 0. Summed here term by term into each row's total, in the same order
  // and with the same expression, so the totals are FTS5's to the bit.
  constexpr double k1 = 1.2;
  constexpr double b = 0.75;
  const auto rows = static_cast<double>(chunk_ids_.size());
  std::vector<double> scores(chunk_ids_.size(), 0.0);
  // Rows with a posting: a score still 0 means first seen (each term adds > 0).
  std::vector<uint32_t> touched;
  for (const std::string& token : terms) {
    const std::optional<uint32_t> t = term(token);
    if (!t) continue;  // matches no row: adds 0 everywhere
    const uint32_t begin = term_offsets_[*t], end = term_offsets_[*t + 1];
    const auto hits = static_cast<double>(end - begin);
    double idf = std::log((rows - hits + 0.5) / (hits + 0.5));
    if (idf <= 0.0) idf = 1e-6;
    for (uint32_t p = begin; p < end; ++p) {
      const uint32_t chunk = posting_chunks_[p];
      const auto f = static_cast<double>(posting_frequencies_[p]);
      const auto D = static_cast<double>(chunk_lengths_[chunk]);
      if (scores[chunk] == 0.0) touched.push_back(chunk);
      scores[chunk] += idf * ((f * (k1 + 1.0)) / (f + k1 * (1 - b + b * D / average_length_)));
    }
  }
  auto better = [&](uint32_t a, uint32_t c) {
    return scores[a] != scores[c] ? scores[a] > scores[c] : a < c;
  };
  const size_t keep = std::min(limit, touched.size());
  std::partial_sort(touched.begin(), touched.begin() + static_cast<std::ptrdiff_t>(keep), touched.end(),
                    better);
  std::vector<ScoredChunk> best;
  best.reserve(keep);
  for (size_t i = 0; i < keep; ++i) best.push_back({chunk_ids_[touched[i]], scores[touched[i]]});
  return best;
}

std::shared_ptr<const Bm25Index> Bm25IndexCache::get(store::Catalog& catalog) {
  const store::ChunksVersion version = catalog.chunks_version();
  std::lock_guard lock(mutex_);
  if (!index_ || index_->version() != version) index_ = Bm25Index::build(catalog);
  return index_;
}

}  // namespace chunkwise::retrieve
