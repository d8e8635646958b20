// `chunkwise ingest PATH... --db FILE`: files and directories into the catalog. On a terminal a progress line
// (files, MB, chunks, rate, ETA) is drawn on stderr; warnings go to stderr; the summary goes to stdout, as
// one JSON object with --json. Exits 1 if any file failed (could not be listed or read).
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <iterator>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/chunker_options.h"
#include "cli/commands.h"
#include "cli/embed_index.h"
#include "common/error.h"
#include "ingest/chunk_models.h"
#include "ingest/ingester.h"
#include "store/catalog.h"
#include "store/document_tags.h"
#include "store/vector_index.h"

namespace chunkwise::cli {
namespace {

namespace fs = std::filesystem;

struct IngestCommandOptions {
  std::vector<std::string> paths;
  std::string db;
  std::string name = "stdin";  // the catalog path of a document read from stdin ("-")
  ChunkerFlags chunker;
  std::vector<std::string> include;
  std::vector<std::string> exclude;
  bool json = false;
  std::string embed_model;        // then embed the new chunks and update the vector index
  std::vector<std::string> tags;  // added to the documents under the paths
};

// The progress line, redrawn at most ten times a second; warnings clear it before they print.
class ProgressLine {
 public:
  explicit ProgressLine(bool enabled) : enabled_(enabled) {}

  void update(const ingest::IngestProgress& p) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.files_done != p.files_total && now - last_ < std::chrono::milliseconds(100)) return;
    last_ = now;
    const double mb = static_cast<double>(p.bytes_done) / 1e6,
                 total_mb = static_cast<double>(p.bytes_total) / 1e6;
    const double rate = p.seconds > 0 ? mb / p.seconds : 0;
    std::string eta = "";
    if (rate > 0 && p.bytes_total > p.bytes_done) eta = fmt::format("  ETA {:.0f} s", (total_mb - mb) / rate);
    std::fprintf(stderr, "\r\x1b[K%zu/%zu files  %.1f/%.1f MB  %zu chunks  %.1f MB/s%s", p.files_done,
                 p.files_total, mb, total_mb, p.chunks, rate, eta.c_str());
    drawn_ = true;
  }

  void clear() {
    if (drawn_) std::fputs("\r\x1b[K", stderr);
    drawn_ = false;
  }

 private:
  bool enabled_;
  bool drawn_ = false;
  std::chrono::steady_clock::time_point last_{};
};

int run_ingest(const IngestCommandOptions& options) {
  ingest::IngestOptions ingest_options;
  ingest_options.chunker = chunker_config(options.chunker);
  ingest_options.chunker_models = ingest::load_chunker_models(ingest_options.chunker, options.chunker.model);
  // bad settings fail before the catalog is created
  text::make_chunker(ingest_options.chunker, ingest_options.chunker_models);
  ingest_options.walk = {options.include, options.exclude};
  for (const char* suffix : {"", "-wal", "-shm", "-journal"})
    ingest_options.ignore.push_back(options.db + suffix);
  for (const fs::path& file : store::vector_index_files(options.db)) ingest_options.ignore.push_back(file);
  std::optional<model::Embedder> embedder;  // loaded first: a bad model fails before anything is ingested
  if (!options.embed_model.empty()) embedder.emplace(load_index_embedder(options.embed_model));
  std::vector<fs::path> roots(options.paths.begin(), options.paths.end());

  store::Catalog catalog(options.db);
  ProgressLine progress(isatty(STDERR_FILENO) != 0);
  ingest::IngestCallbacks callbacks;
  callbacks.on_warning = [&](const std::string& message) {
    progress.clear();
    std::fprintf(stderr, "chunkwise: warning: %s\n", message.c_str());
  };
  callbacks.on_progress = [&](const ingest::IngestProgress& p) { progress.update(p); };
  const bool from_stdin = options.paths.size() == 1 && options.paths[0] == "-";
  if (!from_stdin && std::find(options.paths.begin(), options.paths.end(), "-") != options.paths.end())
    fail(ErrorKind::invalid_input, "'-' (stdin) cannot be mixed with other paths");
  ingest::IngestSummary s;
  if (from_stdin) {
    std::string bytes{std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>()};
    if (std::cin.bad()) fail(ErrorKind::io, "reading stdin failed");
    s = ingest::ingest_document(catalog, options.name, std::move(bytes), ingest_options, callbacks);
    if (!options.tags.empty()) store::tag_documents(catalog, options.name, options.tags);
  } else {
    s = ingest::ingest_paths(catalog, roots, ingest_options, callbacks);
    progress.clear();
    for (const fs::path& root : roots)
      if (!options.tags.empty())
        store::tag_documents(catalog, ingest::catalog_path(root).string(), options.tags);
  }
  if (embedder) {
    const std::string embedded =
        describe(embed_and_index(catalog, *embedder, 32, isatty(STDERR_FILENO) != 0));
    std::fputs(embedded.c_str(), stderr);
  }

  const double mb = static_cast<double>(s.bytes) / 1e6;
  std::string out;
  if (options.json) {
    out = nlohmann::json{{"ingested", s.added + s.replaced},
                         {"added", s.added},
                         {"replaced", s.replaced},
                         {"unchanged", s.unchanged},
                         {"skipped", s.skipped},
                         {"failed", s.failed},
                         {"chunks", s.chunks},
                         {"bytes", s.bytes},
                         {"invalid_utf8_replaced", s.replaced_sequences},
                         {"seconds", s.seconds}}
              .dump() +
          "\n";
  } else {
    out = fmt::format(
        "ingested {} files ({} new, {} replaced), {} unchanged, {} skipped, {} failed: {} chunks, {:.2f} MB "
        "in "
        "{:.2f} s\n",
        s.added + s.replaced, s.added, s.replaced, s.unchanged, s.skipped, s.failed, s.chunks, mb, s.seconds);
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return s.failed > 0 ? 1 : 0;
}

}  // namespace

void add_ingest_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<IngestCommandOptions>();
  auto* cmd = app.add_subcommand(
      "ingest", "Chunk text, Markdown, HTML and PDF files (also .gz) into a catalog for search");
  cmd->add_option(
         "paths", options->paths,
         "Files and directories (recursive; hidden entries skipped); - reads one document from stdin")
      ->required();
  cmd->add_option("--name", options->name,
                  "With -: the document's path in the catalog; its extension gives the format (notes.md, "
                  "page.html)")
      ->capture_default_str();
  cmd->add_option("--db", options->db, "Catalog file (SQLite), created if missing")->required();
  add_chunker_flags(*cmd, options->chunker, "--chunk-model");
  cmd->add_option("--include", options->include,
                  "In directories, take only files matching this glob (repeatable)");
  cmd->add_option("--exclude", options->exclude,
                  "Skip files and directories matching this glob (repeatable)");
  cmd->add_flag("--json", options->json, "Print the summary as one JSON object");
  cmd->add_option("--embed-model", options->embed_model,
                  "Then embed the new chunks with this model and update the vector index (as embed-index)");
  cmd->add_option("--tag", options->tags, "Tag the documents under the paths (repeatable; search --tag)");
  cmd->callback([&run, options] { run = [options] { return run_ingest(*options); }; });
}

}  // namespace chunkwise::cli
