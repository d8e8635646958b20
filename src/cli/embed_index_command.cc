// `chunkwise embed-index --db FILE --model DIR`: dense vectors for a catalog. Embeds the chunks that have no
// embedding for the model yet (a re-run after ingesting more files embeds only the new chunks), then builds
// the model's HNSW index next to the catalog so that searches load it instead of building it. Progress on a
// terminal goes to stderr; the summary to stdout (one JSON object with --json).
#include <fmt/format.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "cli/embed_index.h"
#include "common/error.h"
#include "runtime/thread_pool.h"
#include "store/vector_index.h"

namespace chunkwise::cli {

model::Embedder load_index_embedder(const std::string& dir, const std::string& pooling) {
  model::EmbedderOptions options;
  if (!pooling.empty()) options.pooling = model::parse_pooling(pooling);
  options.truncate = true;
  return model::Embedder::load(dir, options);
}

EmbedIndexResult embed_and_index(store::Catalog& catalog, const model::Embedder& embedder, size_t batch,
                                 bool progress_line) {
  EmbedIndexResult result;
  result.model = retrieve::register_embedder(catalog, embedder);
  bool drawn = false;
  auto last = std::chrono::steady_clock::time_point{};
  retrieve::EmbedChunksCallbacks callbacks;
  callbacks.on_progress = [&](const retrieve::EmbedChunksProgress& p) {
    if (!progress_line) return;
    const auto now = std::chrono::steady_clock::now();
    if (p.done < p.total && now - last < std::chrono::milliseconds(100)) return;
    last = now;
    const double rate = p.seconds > 0 ? static_cast<double>(p.done) / p.seconds : 0;
    std::string eta;
    if (rate > 0 && p.total > p.done)
      eta = fmt::format("  ETA {:.0f} s", static_cast<double>(p.total - p.done) / rate);
    std::fprintf(stderr, "\r\x1b[Kembedding %zu/%zu chunks  %.1f chunks/s%s", p.done, p.total, rate,
                 eta.c_str());
    drawn = true;
  };
  callbacks.on_warning = [&](const std::string& message) {
    if (drawn) std::fputs("\r\x1b[K", stderr);
    drawn = false;
    std::fprintf(stderr, "chunkwise: warning: %s\n", message.c_str());
  };
  result.embedded = retrieve::embed_missing_chunks(catalog, embedder, result.model, batch, callbacks);
  if (drawn) std::fputs("\r\x1b[K", stderr);
  if (progress_line) std::fputs("building the vector index…", stderr);
  store::VectorIndex index = store::VectorIndex::open(catalog, result.model);
  if (progress_line) std::fputs("\r\x1b[K", stderr);
  if (!index.warning().empty())
    std::fprintf(stderr, "chunkwise: warning: vector index not saved: %s\n", index.warning().c_str());
  result.model = *store::find_embedding_model(catalog, result.model.id);
  result.index_size = index.size();
  result.index_seconds = index.build_seconds();
  result.index_updated = index.updated();
  result.index_saved = index.origin() != store::VectorIndex::Origin::built_not_saved;
  result.index_path = index.path();
  return result;
}

std::string describe(const EmbedIndexResult& r) {
  std::string out = fmt::format("embedded {} chunks with {} (dimension {}) in {:.2f} s", r.embedded.embedded,
                                r.model.path, r.model.dimension, r.embedded.seconds);
  if (r.embedded.failed) out += fmt::format(", {} failed", r.embedded.failed);
  if (r.embedded.vanished) out += fmt::format(", {} removed meanwhile", r.embedded.vanished);
  out += fmt::format("; vector index: {} vectors, ", r.index_size);
  out += r.index_seconds > 0
             ? fmt::format("{} in {:.2f} s", r.index_updated ? "updated" : "built", r.index_seconds)
             : std::string("up to date");
  if (!r.index_saved) out += " (not saved)";
  return out + "\n";
}

nlohmann::json to_json(const EmbedIndexResult& r) {
  return {{"model", r.model.path},
          {"fingerprint", r.model.fingerprint},
          {"dimension", r.model.dimension},
          {"embedded", r.embedded.embedded},
          {"failed", r.embedded.failed},
          {"vanished", r.embedded.vanished},
          {"embed_seconds", r.embedded.seconds},
          {"index_vectors", r.index_size},
          {"index_build_seconds", r.index_seconds},
          {"index_updated", r.index_updated},
          {"index_saved", r.index_saved},
          {"index_path", r.index_path.string()}};
}

namespace {

struct EmbedIndexOptions {
  std::string db;
  std::string model;
  std::string pooling;
  size_t batch = 32;
  int threads = 0;
  bool json = false;
};

int run_embed_index(const EmbedIndexOptions& options) {
  if (options.threads > 0) runtime::set_cpu_thread_count(options.threads);
  const model::Embedder embedder = load_index_embedder(options.model, options.pooling);
  store::Catalog catalog(options.db);
  const EmbedIndexResult result =
      embed_and_index(catalog, embedder, options.batch, isatty(STDERR_FILENO) != 0);
  const std::string out = options.json ? to_json(result).dump() + "\n" : describe(result);
  std::fwrite(out.data(), 1, out.size(), stdout);
  return result.embedded.failed > 0 ? 1 : 0;
}

}  // namespace

void add_embed_index_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<EmbedIndexOptions>();
  auto* cmd =
      app.add_subcommand("embed-index", "Embed a catalog's chunks and build its vector index (dense search)");
  cmd->add_option("--db", options->db, "Catalog file made by chunkwise ingest")->required();
  cmd->add_option("-m,--model", options->model, "Embedding model directory (see chunkwise embed)")
      ->required();
  cmd->add_option("--pooling", options->pooling, "mean, cls or last (default: the model's)")
      ->check(CLI::IsMember({"mean", "cls", "last"}));
  cmd->add_option("--batch", options->batch, "Chunks per forward pass and per transaction")
      ->check(CLI::Range(size_t{1}, size_t{4096}))
      ->capture_default_str();
  cmd->add_option("--threads", options->threads, "Compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->add_flag("--json", options->json, "Print the summary as one JSON object");
  cmd->callback([&run, options] { run = [options] { return run_embed_index(*options); }; });
}

}  // namespace chunkwise::cli
