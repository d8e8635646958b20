#include "retrieve/chunk_hits.h"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace chunkwise::retrieve {

SearchHit read_hit(const store::Statement& row, double score, HitSnippet snippet) {
  SearchHit hit;
  hit.chunk_id = row.column_int(0);
  hit.document_id = row.column_int(1);
  hit.ordinal = row.column_int(2);
  hit.score = score;
  hit.path = row.column_text(3);
  hit.byte_begin = row.column_int(4);
  hit.byte_end = row.column_int(5);
  hit.line_begin = row.column_int(6);
  hit.line_end = row.column_int(7);
  hit.token_count = row.column_int(8);
  const nlohmann::json headings = nlohmann::json::parse(row.column_text(9), nullptr, false);
  if (headings.is_array())
    for (const auto& h : headings)
      if (h.is_string()) hit.headings.push_back(h.get<std::string>());
  hit.page = static_cast<int>(row.column_int(10));
  hit.text = row.column_text(11);
  if (snippet == HitSnippet::leading) hit.snippet = leading_snippet(hit.text);
  return hit;
}

std::string leading_snippet(std::string_view text, size_t words) {
  std::string out;
  size_t count = 0;
  size_t i = 0;
  auto space = [](char c) {
    return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v';
  };
  while (i < text.size()) {
    while (i < text.size() && space(text[i])) ++i;
    if (i == text.size()) break;
    if (count == words) return out + " …";
    const size_t begin = i;
    while (i < text.size() && !space(text[i])) ++i;
    if (!out.empty()) out += ' ';
    out.append(text.substr(begin, i - begin));
    ++count;
  }
  return out;
}

std::vector<SearchHit> hits_for_chunks(store::Catalog& catalog, const std::vector<ScoredChunk>& chunks,
                                       const SearchFilter& filter) {
  store::Statement query = catalog.database().prepare(
      fmt::format("SELECT {} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ? AND {}",
                  kHitColumns, filter_sql(filter)));
  std::vector<SearchHit> hits;
  for (const ScoredChunk& chunk : chunks) {
    query.reset();
    query.bind(1, chunk.chunk_id);
    bind_filter(query, 2, filter);
    if (query.step()) hits.push_back(read_hit(query, chunk.score));
  }
  return hits;
}

std::optional<SearchHit> chunk_at(store::Catalog& catalog, int64_t document_id, int64_t ordinal) {
  store::Statement query =
      catalog.database().prepare(fmt::format("SELECT {} FROM chunks c JOIN documents d ON d.id = "
                                             "c.document_id WHERE c.document_id = ? AND c.ordinal = ?",
                                             kHitColumns));
  query.bind(1, document_id).bind(2, ordinal);
  if (!query.step()) return std::nullopt;
  return read_hit(query, 0);
}

void attach_embeddings(store::Catalog& catalog, const store::EmbeddingModel& model,
                       std::vector<SearchHit>& hits) {
  std::vector<int64_t> ids;
  for (const SearchHit& hit : hits)
    if (hit.embedding.empty()) ids.push_back(hit.chunk_id);
  auto found = store::embeddings_of(catalog, model, ids);
  size_t next = 0;
  for (SearchHit& hit : hits)
    if (hit.embedding.empty() && next < found.size() && found[next].first == hit.chunk_id)
      hit.embedding = std::move(found[next++].second);
}

}  // namespace chunkwise::retrieve
