// `chunkwise search "query" --db FILE`: BM25 over the catalog, then top-k selection under an optional token
// budget; a table for people (rank, score, source:lines, heading, snippet) or JSON with --json.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "retrieve/bm25.h"
#include "retrieve/selector.h"
#include "store/catalog.h"

namespace chunkwise::cli {
namespace {

namespace fs = std::filesystem;

struct SearchOptions {
  std::string query;
  std::string db;
  size_t top_k = 10;
  size_t budget = 0;
  bool budget_set = false;
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

std::string format_table(const std::vector<retrieve::SearchHit>& hits) {
  if (hits.empty()) return "no matches\n";
  std::vector<std::vector<std::string>> rows = {{"rank", "score", "source", "heading", "snippet"}};
  for (size_t i = 0; i < hits.size(); ++i) {
    const retrieve::SearchHit& hit = hits[i];
    rows.push_back({std::to_string(i + 1), fmt::format("{:.3f}", hit.score),
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

std::string format_json(const std::string& query, const std::vector<retrieve::SearchHit>& hits) {
  nlohmann::json results = nlohmann::json::array();
  for (size_t i = 0; i < hits.size(); ++i) {
    const retrieve::SearchHit& hit = hits[i];
    results.push_back({{"rank", i + 1},
                       {"score", hit.score},
                       {"chunk_id", hit.chunk_id},
                       {"path", hit.path},
                       {"byte_begin", hit.byte_begin},
                       {"byte_end", hit.byte_end},
                       {"line_begin", hit.line_begin},
                       {"line_end", hit.line_end},
                       {"headings", hit.headings},
                       {"page", hit.page},
                       {"token_count", hit.token_count},
                       {"snippet", hit.snippet},
                       {"text", hit.text}});
  }
  return nlohmann::json{{"query", query}, {"results", results}}.dump(
             -1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n";
}

int run_search(const SearchOptions& options) {
  if (options.top_k == 0) fail(ErrorKind::invalid_input, "--top-k must be at least 1");
  retrieve::fts5_query(options.query);  // an empty query is an error before the catalog is opened
  store::Catalog catalog(options.db, {.read_only = true});
  retrieve::Bm25Options bm25;
  bm25.limit = options.top_k;
  if (!options.json && isatty(STDOUT_FILENO)) {
    bm25.highlight_open = "\x1b[1m";
    bm25.highlight_close = "\x1b[0m";
  }
  retrieve::SelectionLimits limits;
  limits.top_k = options.top_k;
  if (options.budget_set) limits.token_budget = options.budget;
  const std::vector<retrieve::SearchHit> hits =
      retrieve::TopKSelector().select(retrieve::bm25_search(catalog, options.query, bm25), limits);
  const std::string out = options.json ? format_json(options.query, hits) : format_table(hits);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void add_search_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<SearchOptions>();
  auto* cmd = app.add_subcommand("search", "Find the chunks that best match a query (BM25)");
  cmd->add_option("query", options->query, "Words to search for (any of them; no query syntax)")->required();
  cmd->add_option("--db", options->db, "Catalog file made by chunkwise ingest")->required();
  cmd->add_option("--top-k", options->top_k, "How many chunks at most")->capture_default_str();
  auto* budget = cmd->add_option("--budget", options->budget,
                                 "Token budget: stop before the first chunk that would exceed it (words)");
  cmd->add_flag("--json", options->json, "Print the results as one JSON object");
  cmd->callback([&run, options, budget] {
    options->budget_set = budget->count() > 0;
    run = [options] { return run_search(*options); };
  });
}

}  // namespace chunkwise::cli
