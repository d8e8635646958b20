#include "retrieve/bm25.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "retrieve/bm25_snippet.h"
#include "retrieve/chunk_hits.h"
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

// A hit from kHitColumns followed by its score and FTS5 snippet.
SearchHit read_bm25_hit(const store::Statement& row) {
  SearchHit hit = read_hit(row, row.column_double(kHitColumnCount), HitSnippet::none);
  hit.snippet = row.column_text(kHitColumnCount + 1);
  return hit;
}

int snippet_tokens(const Bm25Options& options) {
  return std::clamp(options.snippet_tokens, 1, 64);
}

// The query's words as the index's tokens, if each word is exactly one token (else nullopt: a word that
// FTS5 splits further is a phrase whose tokens must be adjacent, which the in-memory postings cannot check).
std::optional<std::vector<std::string>> single_token_terms(store::Fts5Tokenizer& tokenizer,
                                                           const std::vector<std::string_view>& words) {
  std::vector<std::string> terms;
  for (const std::string_view word : words) {
    size_t tokens = 0;
    tokenizer.tokenize(word, [&](const store::Fts5Token& token) {
      if (tokens++ == 0) terms.emplace_back(token.term);
    });
    if (tokens != 1) return std::nullopt;
  }
  return terms;
}

// Ranked by the in-memory index, the best hits' rows read from SQLite, their snippets written as FTS5's
// snippet() writes them (retrieve/bm25_snippet.h) without running the query again in FTS5 for each.
std::vector<SearchHit> bm25_search_in_memory(store::Catalog& catalog, store::Fts5Tokenizer& tokenizer,
                                             const Bm25Index& index, const std::vector<std::string>& terms,
                                             const Bm25Options& options) {
  const std::vector<ScoredChunk> best = index.search(terms, options.limit);
  std::vector<SearchHit> hits;
  if (best.empty()) return hits;
  store::Statement statement = catalog.database().prepare(fmt::format(
      "SELECT {} FROM chunks c JOIN documents d ON d.id = c.document_id WHERE c.id = ?1", kHitColumns));
  const SnippetFormat format{options.highlight_open, options.highlight_close, "…", snippet_tokens(options)};
  for (const ScoredChunk& scored : best) {
    statement.bind(1, scored.chunk_id);
    if (statement.step()) {
      hits.push_back(read_hit(statement, scored.score, HitSnippet::none));
      hits.back().snippet = fts5_snippet(tokenizer, hits.back().text, terms, format);
    }
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
  // One snapshot for everything read below (a no-op inside the caller's): the in-memory index's generation
  // check and the hits' rows agree, and each statement does not begin a read transaction of its own.
  store::ReadTransaction snapshot(catalog.database());
  if (options.index && options.filter.empty() && snippet_tokens(options) >= 2) {
    store::Fts5Tokenizer tokenizer(catalog.database(), store::kCatalogTokenizer);
    if (const auto terms = single_token_terms(tokenizer, query_words(query)))
      return bm25_search_in_memory(catalog, tokenizer, *options.index->get(catalog), *terms, options);
  }
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
      "SELECT {}, -top.rank_score, "
      "(SELECT snippet(chunks_fts, 0, ?, ?, '…', ?) FROM chunks_fts WHERE chunks_fts MATCH ?1 AND rowid = "
      "top.id) "
      "FROM top JOIN chunks c ON c.id = top.id JOIN documents d ON d.id = c.document_id "
      "ORDER BY top.rank_score, c.id",
      filtered_join, filter_sql(options.filter), kHitColumns));
  statement.bind(1, match);
  const int next = bind_filter(statement, 2, options.filter);
  statement.bind(next, static_cast<int64_t>(options.limit))
      .bind(next + 1, options.highlight_open)
      .bind(next + 2, options.highlight_close)
      .bind(next + 3, int64_t{snippet_tokens(options)});
  std::vector<SearchHit> hits;
  while (statement.step()) hits.push_back(read_bm25_hit(statement));
  return hits;
}

}  // namespace chunkwise::retrieve
