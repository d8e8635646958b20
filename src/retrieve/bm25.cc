#include "retrieve/bm25.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "store/fts5_tokenizer.h"

namespace chunkwise::retrieve {

namespace {

// Where the query splits into words: whitespace and ASCII punctuation, as FTS5's unicode61 tokenizer splits
// the documents ("fs.readFile()" is the words fs and readFile, not one phrase that must match in that order).
bool separates_words(char c) {
  const auto u = static_cast<unsigned char>(c);
  return u < 0x80 && !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'));
}

std::vector<std::string_view> query_words(std::string_view query) {
  std::vector<std::string_view> words;
  for (size_t i = 0; i < query.size();) {
    while (i < query.size() && separates_words(query[i])) ++i;
    if (i == query.size()) break;
    const size_t begin = i;
    while (i < query.size() && !separates_words(query[i])) ++i;
    words.push_back(query.substr(begin, i - begin));
  }
  return words;
}

void read_hit_columns(const store::Statement& statement, SearchHit& hit) {
  hit.chunk_id = statement.column_int(0);
  hit.document_id = statement.column_int(1);
  hit.ordinal = statement.column_int(2);
  hit.score = statement.column_double(3);
  hit.path = statement.column_text(4);
  hit.byte_begin = statement.column_int(5);
  hit.byte_end = statement.column_int(6);
  hit.line_begin = statement.column_int(7);
  hit.line_end = statement.column_int(8);
  hit.token_count = statement.column_int(9);
  const nlohmann::json headings = nlohmann::json::parse(statement.column_text(10), nullptr, false);
  if (headings.is_array())
    for (const auto& h : headings)
      if (h.is_string()) hit.headings.push_back(h.get<std::string>());
  hit.page = static_cast<int>(statement.column_int(11));
  hit.text = statement.column_text(12);
  hit.snippet = statement.column_text(13);
}

// The query's words as the index's tokens, if each word is exactly one token (else nullopt: a word that
// FTS5 splits further is a phrase whose tokens must be adjacent, which the in-memory postings cannot check).
std::optional<std::vector<std::string>> single_token_terms(store::Catalog& catalog,
                                                           const std::vector<std::string_view>& words) {
  store::Fts5Tokenizer tokenizer(catalog.database(), store::kCatalogTokenizer);
  std::vector<std::string> terms;
  for (const std::string_view word : words) {
    size_t tokens = 0;
    tokenizer.tokenize(word, [&](std::string_view token) {
      if (tokens++ == 0) terms.emplace_back(token);
    });
    if (tokens != 1) return std::nullopt;
  }
  return terms;
}

// Ranked by the in-memory index; the rows and snippets of the best hits from SQLite.
std::vector<SearchHit> bm25_search_in_memory(store::Catalog& catalog, const Bm25Index& index,
                                             const std::vector<std::string>& terms, const std::string& match,
                                             const Bm25Options& options) {
  const std::vector<ScoredChunk> best = index.search(terms, options.limit);
  std::vector<SearchHit> hits;
  if (best.empty()) return hits;
  store::Statement statement = catalog.database().prepare(
      "SELECT c.id, c.document_id, c.ordinal, ?2, d.path, c.byte_begin, c.byte_end, c.line_begin, "
      "c.line_end, "
      "c.token_count, c.headings, c.page, c.text, "
      "(SELECT snippet(chunks_fts, 0, ?3, ?4, '…', ?5) FROM chunks_fts WHERE chunks_fts MATCH ?1 AND rowid = "
      "c.id) "
      "FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?6");
  statement.bind(1, match)
      .bind(3, options.highlight_open)
      .bind(4, options.highlight_close)
      .bind(5, int64_t{std::clamp(options.snippet_tokens, 1, 64)});
  for (const ScoredChunk& scored : best) {
    statement.bind(2, scored.score).bind(6, scored.chunk_id);
    if (statement.step()) read_hit_columns(statement, hits.emplace_back());
    statement.reset();
  }
  return hits;
}

}  // namespace

std::string fts5_query(std::string_view query) {
  std::string out;
  for (const std::string_view word : query_words(query)) {
    if (!out.empty()) out += " OR ";
    out += '"';  // each word quoted: nothing typed is read as FTS5 syntax (NOT, *, ^, column filters)
    out += word;
    out += '"';
  }
  if (out.empty() && std::all_of(query.begin(), query.end(), [](char c) {
        return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
      }))
    fail(ErrorKind::invalid_input, "empty search query");
  return out;  // empty for punctuation only: matches nothing
}

std::vector<SearchHit> bm25_search(store::Catalog& catalog, std::string_view query,
                                   const Bm25Options& options) {
  const std::string match = fts5_query(query);
  if (match.empty()) return {};  // no words (only punctuation): nothing can match
  if (options.index && options.filter.empty())
    if (const auto terms = single_token_terms(catalog, query_words(query)))
      return bm25_search_in_memory(catalog, *options.index->get(catalog), *terms, match, options);
  // The best `limit` rows first (BM25 order, filters applied), then their columns and snippets: in one flat
  // query SQLite computes every result column, snippet() included, for every matching row before it sorts,
  // which for an OR of common words is hundreds of snippets for ten hits.
  // Without a filter the ranking reads the full-text index alone: joining every matching row to its chunk
  // and document took half the query's time.
  const std::string filtered_join =
      options.filter.empty()
          ? std::string()
          : "JOIN chunks c ON c.id = chunks_fts.rowid JOIN documents d ON d.id = c.document_id ";
  store::Statement statement = catalog.database().prepare(fmt::format(
      "WITH top AS (SELECT chunks_fts.rowid AS id, bm25(chunks_fts) AS rank_score FROM chunks_fts {}"
      "WHERE chunks_fts MATCH ?1 AND {} ORDER BY rank_score, id LIMIT ?) "
      "SELECT c.id, c.document_id, c.ordinal, -top.rank_score, d.path, c.byte_begin, c.byte_end, "
      "c.line_begin, c.line_end, c.token_count, c.headings, c.page, c.text, "
      "(SELECT snippet(chunks_fts, 0, ?, ?, '…', ?) FROM chunks_fts WHERE chunks_fts MATCH ?1 AND rowid = "
      "top.id) "
      "FROM top JOIN chunks c ON c.id = top.id JOIN documents d ON d.id = c.document_id "
      "ORDER BY top.rank_score, c.id",
      filtered_join, filter_sql(options.filter)));
  statement.bind(1, match);
  const int next = bind_filter(statement, 2, options.filter);
  statement.bind(next, static_cast<int64_t>(options.limit))
      .bind(next + 1, options.highlight_open)
      .bind(next + 2, options.highlight_close)
      .bind(next + 3, int64_t{std::clamp(options.snippet_tokens, 1, 64)});
  std::vector<SearchHit> hits;
  while (statement.step()) read_hit_columns(statement, hits.emplace_back());
  return hits;
}

}  // namespace chunkwise::retrieve
