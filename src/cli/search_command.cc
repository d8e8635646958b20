// `chunkwise search "query" --db FILE`: BM25, dense (the query's embedding against the HNSW index of the
// same model) or hybrid (reciprocal rank fusion of both) retrieval with metadata filters, then a selector
// (top-k, mmr, sage, meteora, corag) under an optional token budget; a table for people (rank, score,
// source:lines, heading, snippet) or JSON with --json.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/embed_index.h"
#include "common/error.h"
#include "retrieve/bm25.h"
#include "retrieve/chunk_embedding.h"
#include "retrieve/search.h"
#include "retrieve/selector.h"
#include "store/catalog.h"
#include "store/embeddings.h"
#include "store/vector_index.h"

namespace chunkwise::cli {
namespace {

namespace fs = std::filesystem;

struct SearchOptions {
  std::string query;
  std::string db;
  std::string mode = "bm25";
  std::string embed_model;
  std::string pooling;
  std::string query_prefix;
  double rrf_k = 60;
  std::string weights = "bm25=1,dense=1";
  std::vector<std::string> path_globs;
  std::vector<std::string> documents;
  std::vector<std::string> tags;
  std::string select = "top-k";
  size_t top_k = 10;
  size_t candidates = 0;  // 0: top_k for top-k, else max(50, top_k)
  size_t ef = 64;
  size_t budget = 0;
  bool budget_set = false;
  retrieve::SelectorOptions selector;
  bool json = false;
};

// The path relative to the working directory when it lies below it.
std::string display_path(const std::string& path) {
  std::error_code ec;
  const fs::path cwd = fs::current_path(ec);
  if (ec) return path;
  const fs::path relative = fs::path(path).lexically_relative(cwd);
  if (relative.empty() || *relative.begin() == "..") return path;
  return relative.string();
}

// `text` on one line (whitespace runs become one space) and at most `limit` code points.
std::string one_line(std::string_view text, size_t limit) {
  std::string out;
  size_t code_points = 0;
  bool space = false;
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == ' ' || c == '\n' || c == '\t' || c == '\r') {
      space = !out.empty();
      continue;
    }
    const bool starts_code_point = (static_cast<unsigned char>(c) & 0xC0) != 0x80;
    if (starts_code_point && code_points + (space ? 1 : 0) >= limit) {
      out += "…";
      return out;
    }
    if (space) {
      out += ' ';
      ++code_points;
    }
    space = false;
    out += c;
    code_points += starts_code_point;
  }
  return out;
}

std::string join_headings(const std::vector<std::string>& headings) {
  std::string out;
  for (const std::string& h : headings) out += (out.empty() ? "" : " > ") + h;
  return out;
}

std::string lines_of(const retrieve::SearchHit& hit) {
  return hit.line_begin == hit.line_end ? fmt::format("{}", hit.line_begin)
                                        : fmt::format("{}-{}", hit.line_begin, hit.line_end);
}

size_t width_of(std::string_view text) {
  size_t n = 0;
  for (char c : text) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

std::string pad(const std::string& text, size_t width) {
  const size_t w = width_of(text);
  return w >= width ? text : text + std::string(width - w, ' ');
}

std::string format_table(const std::vector<retrieve::SearchHit>& hits, bool fine_scores) {
  if (hits.empty()) return "no matches\n";
  std::vector<std::vector<std::string>> rows = {{"rank", "score", "source", "heading", "snippet"}};
  for (size_t i = 0; i < hits.size(); ++i) {
    const retrieve::SearchHit& hit = hits[i];
    rows.push_back({std::to_string(i + 1) + (hit.neighbour_of ? "+" : ""),
                    fine_scores ? fmt::format("{:.5f}", hit.score) : fmt::format("{:.3f}", hit.score),
                    display_path(hit.path) + ":" + lines_of(hit), one_line(join_headings(hit.headings), 32),
                    one_line(hit.snippet, 100)});
  }
  std::vector<size_t> widths(rows[0].size(), 0);
  for (const auto& row : rows)
    for (size_t c = 0; c < row.size(); ++c) widths[c] = std::max(widths[c], width_of(row[c]));
  std::string out;
  for (const auto& row : rows) {
    std::string line;
    for (size_t c = 0; c < row.size(); ++c)
      line += c + 1 < row.size() ? pad(row[c], widths[c]) + "  " : row[c];
    while (!line.empty() && line.back() == ' ') line.pop_back();
    out += line + "\n";
  }
  return out;
}

std::string format_json(const SearchOptions& options, const std::vector<retrieve::SearchHit>& hits) {
  nlohmann::json results = nlohmann::json::array();
  int64_t tokens = 0;
  for (size_t i = 0; i < hits.size(); ++i) {
    const retrieve::SearchHit& hit = hits[i];
    tokens += hit.token_count;
    results.push_back(
        {{"rank", i + 1},
         {"score", hit.score},
         {"chunk_id", hit.chunk_id},
         {"document_id", hit.document_id},
         {"ordinal", hit.ordinal},
         {"path", hit.path},
         {"byte_begin", hit.byte_begin},
         {"byte_end", hit.byte_end},
         {"line_begin", hit.line_begin},
         {"line_end", hit.line_end},
         {"headings", hit.headings},
         {"page", hit.page},
         {"token_count", hit.token_count},
         {"neighbour_of", hit.neighbour_of ? nlohmann::json(*hit.neighbour_of) : nlohmann::json()},
         {"snippet", hit.snippet},
         {"text", hit.text}});
  }
  return nlohmann::json{{"query", options.query},
                        {"mode", options.mode},
                        {"selector", options.select},
                        {"tokens", tokens},
                        {"results", results}}
             .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

// "bm25=1,dense=0.5" (either may be left out: weight 1).
std::pair<double, double> parse_weights(const std::string& text) {
  double bm25 = 1, dense = 1;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    const std::string item = text.substr(at, comma - at);
    const size_t equals = item.find('=');
    const std::string name = item.substr(0, equals);
    double value = 0;
    bool ok = equals != std::string::npos && equals + 1 < item.size();
    if (ok) {
      const char* begin = item.c_str() + equals + 1;
      char* end = nullptr;
      value = std::strtod(begin, &end);
      ok = *end == '\0' && std::isfinite(value) && value >= 0;
    }
    if (!ok || (name != "bm25" && name != "dense"))
      fail(ErrorKind::invalid_input, "--weights: '{}' is not bm25=W or dense=W with W >= 0", item);
    (name == "bm25" ? bm25 : dense) = value;
    at = comma + 1;
  }
  return {bm25, dense};
}

retrieve::SearchFilter make_filter(store::Catalog& catalog, const SearchOptions& options) {
  retrieve::SearchFilter filter;
  filter.path_globs = options.path_globs;
  filter.tags = options.tags;
  for (const std::string& document : options.documents) {
    if (!document.empty() &&
        std::all_of(document.begin(), document.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      filter.document_ids.push_back(std::stoll(document.substr(0, 18)));
      continue;
    }
    std::error_code ec;
    fs::path path = fs::weakly_canonical(document, ec);
    if (ec) path = fs::absolute(document, ec);
    const auto record = catalog.find_document(path.lexically_normal().string());
    if (!record) fail(ErrorKind::not_found, "--document {}: no such document in {}", document, options.db);
    filter.document_ids.push_back(record->id);
  }
  return filter;
}

// The embedding model the search uses: --embed-model, else the catalog's only one.
std::string model_directory(store::Catalog& catalog, const SearchOptions& options) {
  if (!options.embed_model.empty()) return options.embed_model;
  const std::vector<store::EmbeddingModel> models = store::embedding_models(catalog);
  if (models.size() == 1) return models[0].path;
  if (models.empty())
    fail(ErrorKind::invalid_input,
         "{}: no embeddings in the catalog; run chunkwise embed-index --db {} --model DIR first", options.db,
         options.db);
  fail(ErrorKind::invalid_input, "{}: the catalog has embeddings of {} models; choose one with --embed-model",
       options.db, models.size());
}

int run_search(const SearchOptions& options) {
  if (options.top_k == 0) fail(ErrorKind::invalid_input, "--top-k must be at least 1");
  if (options.mode != "bm25" && options.mode != "dense" && options.mode != "hybrid")
    fail(ErrorKind::invalid_input, "--mode {}: expected bm25, dense or hybrid", options.mode);
  retrieve::fts5_query(options.query);  // an empty query is an error before the catalog is opened
  const auto [bm25_weight, dense_weight] = parse_weights(options.weights);
  retrieve::SelectorOptions selector_options = options.selector;
  make_selector(options.select, selector_options);  // bad names and options fail early too

  store::Catalog catalog(options.db, {.read_only = true});
  store::ReadTransaction snapshot(catalog.database());  // every read below sees one catalog state
  const retrieve::SearchFilter filter = make_filter(catalog, options);
  const size_t candidates =
      std::max(options.top_k, options.candidates ? options.candidates
                                                 : (options.select == "top-k" ? options.top_k : size_t{50}));

  // Dense retrieval, and similarity from embeddings for the selectors that compare chunks, need the model.
  const bool needs_model = options.mode != "bm25" || (!options.embed_model.empty() &&
                                                      (options.select == "mmr" || options.select == "corag"));
  std::optional<model::Embedder> embedder;
  std::optional<store::EmbeddingModel> model;
  if (needs_model) {
    const std::string dir = model_directory(catalog, options);
    embedder.emplace(load_index_embedder(dir, options.pooling));
    model = store::find_embedding_model(catalog, retrieve::model_fingerprint(*embedder));
    if (!model)
      fail(ErrorKind::invalid_input,
           "{}: no embeddings of the model in {} (with this pooling); run chunkwise embed-index --db {} "
           "--model {}",
           options.db, dir, options.db, dir);
    const int64_t missing = catalog.chunk_count() - store::embedding_count(catalog, model->id);
    if (missing > 0)
      std::fprintf(
          stderr,
          "chunkwise: warning: %lld chunks have no embedding yet (dense search does not see them); run "
          "chunkwise embed-index\n",
          static_cast<long long>(missing));
  }

  std::optional<store::VectorIndex> index;
  retrieve::DenseSide dense;
  if (options.mode != "bm25") {
    index.emplace(store::VectorIndex::open(catalog, *model));
    if (!index->warning().empty())
      std::fprintf(stderr, "chunkwise: warning: vector index rebuilt but not saved: %s\n",
                   index->warning().c_str());
  }
  if (model) dense = {&*embedder, &*model, index ? &*index : nullptr, options.query_prefix};

  retrieve::SearchRequest request;
  request.query = options.query;
  request.mode = retrieve::parse_search_mode(options.mode);
  request.candidates = candidates;
  request.filter = filter;
  request.bm25_weight = bm25_weight;
  request.dense_weight = dense_weight;
  request.rrf_k = options.rrf_k;
  request.ef = options.ef;
  if (!options.json && isatty(STDOUT_FILENO)) {
    request.highlight_open = "\x1b[1m";
    request.highlight_close = "\x1b[0m";
  }
  request.attach_embeddings = options.select != "top-k";
  retrieve::SelectionLimits limits;
  limits.top_k = options.top_k;
  if (options.budget_set) limits.token_budget = options.budget;
  const std::vector<retrieve::SearchHit> hits =
      retrieve::make_catalog_selector(catalog, options.select, selector_options)
          ->select(retrieve::ranked_candidates(catalog, request, model ? &dense : nullptr), limits);
  const std::string out =
      options.json ? format_json(options, hits) : format_table(hits, options.mode == "hybrid");
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void add_search_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "Find the chunks that best match a query (BM25, dense or hybrid)");
  cmd->add_option("query", options->query, "Words to search for (any of them; no query syntax)")->required();
  cmd->add_option("--db", options->db, "Catalog file made by chunkwise ingest")->required();
  cmd->add_option("--mode", options->mode,
                  "bm25, dense (embeddings) or hybrid (reciprocal rank fusion of both)")
      ->check(CLI::IsMember({"bm25", "dense", "hybrid"}))
      ->capture_default_str();
  cmd->add_option("--embed-model", options->embed_model,
                  "Embedding model directory for dense/hybrid (default: the catalog's only one)");
  cmd->add_option("--pooling", options->pooling, "Pooling the catalog was embedded with, if not the model's");
  cmd->add_option("--query-prefix", options->query_prefix,
                  "Text put before the query when it is embedded (e.g. 'query: ' for e5 models)");
  cmd->add_option("--rrf-k", options->rrf_k, "Hybrid: reciprocal rank fusion constant k")
      ->capture_default_str();
  cmd->add_option("--weights", options->weights, "Hybrid: weights of the two rankings")
      ->capture_default_str();
  cmd->add_option(
      "--path", options->path_globs,
      "Only documents whose path matches this glob (repeatable; 'docs/*.md' matches a path's end)");
  cmd->add_option("--document", options->documents, "Only this document: id or path (repeatable)");
  cmd->add_option("--tag", options->tags, "Only documents with this tag (repeatable: any of them)");
  cmd->add_option("--select", options->select,
                  std::string("Selector: ") + std::string(retrieve::kSelectorNames))
      ->capture_default_str();
  cmd->add_option("--top-k", options->top_k, "How many chunks at most")->capture_default_str();
  auto* budget = cmd->add_option("--budget", options->budget,
                                 "Token budget for the selected chunks (their token counts)");
  cmd->add_option("--candidates", options->candidates,
                  "How many ranked chunks the selector chooses from (default: top-k for top-k, else 50)");
  cmd->add_option("--ef", options->ef, "Dense: HNSW search list size")->capture_default_str();
  cmd->add_option("--mmr-lambda", options->selector.mmr_lambda, "MMR: weight of relevance against novelty")
      ->capture_default_str();
  cmd->add_option("--sage-ratio", options->selector.sage_min_ratio,
                  "SAGE: cut where a score falls below this fraction of the previous one")
      ->capture_default_str();
  cmd->add_option("--sage-gap", options->selector.sage_max_gap,
                  "SAGE: cut where a score falls by more than this fraction of the score range")
      ->capture_default_str();
  cmd->add_option("--corag-lambda", options->selector.corag_lambda, "CORAG: weight of redundancy")
      ->capture_default_str();
  cmd->add_option("--corag-beam", options->selector.corag_beam_width, "CORAG: beam width")
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the results as one JSON object");
  cmd->callback([&run, options, budget] {
    options->budget_set = budget->count() > 0;
    run = [options] { return run_search(*options); };
  });
}

}  // namespace chunkwise::cli
