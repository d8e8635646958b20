// chunkwise serve: an OpenAI-compatible HTTP server over the serving engine (src/serve/). Runs until SIGINT /
// SIGTERM, then stops accepting, fails what is still queued and exits 0.
#include <fmt/format.h>

#include <csignal>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "model/decoder_model.h"
#include "model/embedder.h"
#include "runtime/thread_pool.h"
#include "serve/engine.h"
#include "serve/http/http_server.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::cli {
namespace {

struct ServeOptions {
  std::string model_path;
  std::string served_model_name;
  std::string embedding_model_path;
  std::string db;
  std::string host = "127.0.0.1";
  int port = 8080;
  std::vector<std::string> api_keys;
  int max_num_seqs = 16;
  int max_batched_tokens = 512;
  bool no_chunked_prefill = false;
  bool no_prefix_caching = false;
  int block_size = 16;
  double kv_cache_gb = 1.0;
  size_t max_body_mb = 32;
  int http_threads = 128;
  int threads = 0;
};

serve::http::HttpServer* running_server = nullptr;

void stop_on_signal(int) {
  if (running_server) running_server->stop();
}

std::string directory_name(const std::string& path) {
  const std::filesystem::path p = std::filesystem::path(path).lexically_normal();
  const std::string name = (p.has_filename() ? p.filename() : p.parent_path().filename()).string();
  return name.empty() ? path : name;
}

int run_serve(const ServeOptions& opt) {
  if (opt.threads > 0) runtime::set_cpu_thread_count(opt.threads);
  if (opt.kv_cache_gb <= 0) fail(ErrorKind::invalid_input, "--kv-cache-gb must be > 0");
  const model::DecoderModel model = model::DecoderModel::load(opt.model_path);
  const text::Tokenizer tokenizer = text::Tokenizer::load(opt.model_path);

  serve::EngineOptions engine_options;
  engine_options.scheduler.max_num_seqs = opt.max_num_seqs;
  engine_options.scheduler.max_batched_tokens = opt.max_batched_tokens;
  engine_options.scheduler.chunked_prefill = !opt.no_chunked_prefill;
  engine_options.prefix_caching = !opt.no_prefix_caching;
  engine_options.block_size = opt.block_size;
  engine_options.kv_cache_bytes = int64_t(opt.kv_cache_gb * double(int64_t(1) << 30));
  serve::Engine engine(model, tokenizer, engine_options);

  std::unique_ptr<model::Embedder> embedder;
  serve::http::ServerOptions server_options;
  server_options.model_name =
      opt.served_model_name.empty() ? directory_name(opt.model_path) : opt.served_model_name;
  if (!opt.embedding_model_path.empty()) {
    embedder = std::make_unique<model::Embedder>(model::Embedder::load(opt.embedding_model_path));
    server_options.embedding_model_name = directory_name(opt.embedding_model_path);
  }
  server_options.db = opt.db;
  server_options.host = opt.host;
  server_options.port = opt.port;
  server_options.api_keys = opt.api_keys;
  if (const char* key = std::getenv("CHUNKWISE_API_KEY"); key && *key) server_options.api_keys.push_back(key);
  server_options.max_body_bytes = opt.max_body_mb << 20;
  server_options.threads = opt.http_threads;

  serve::http::HttpServer server(engine, embedder.get(), server_options);
  const int port = server.bind();
  engine.start();
  running_server = &server;
  std::signal(SIGINT, stop_on_signal);
  std::signal(SIGTERM, stop_on_signal);
  std::fprintf(stderr,
               "chunkwise: serving %s as \"%s\" on http://%s:%d (KV cache %d blocks of %d tokens, "
               "max context %lld%s)\n",
               opt.model_path.c_str(), server_options.model_name.c_str(), opt.host.c_str(), port,
               engine.options().num_blocks, engine.options().block_size,
               static_cast<long long>(engine.max_request_tokens()),
               server_options.api_keys.empty() ? "" : ", API key required");
  std::fflush(stderr);
  server.listen();
  running_server = nullptr;
  engine.stop();
  std::fprintf(stderr, "chunkwise: server stopped\n");
  return 0;
}

}  // namespace

void add_serve_command(CLI::App& app, CommandRunner& run) {
  auto opt = std::make_shared<ServeOptions>();
  auto* cmd = app.add_subcommand("serve", "Serve a model over an OpenAI-compatible HTTP API");
  cmd->footer(
      "\nRoutes: GET /health, GET /metrics (Prometheus), GET /v1/models, POST /v1/chat/completions,\n"
      "POST /v1/completions (both stream with \"stream\": true), POST /v1/embeddings (with "
      "--embedding-model);\n"
      "with --db: POST /v1/rag/query, POST and GET /v1/documents, DELETE /v1/documents/ID.\n"
      "Example:\n"
      "  chunkwise serve --model DIR --port 8080 &\n"
      "  curl http://127.0.0.1:8080/v1/chat/completions -H 'Content-Type: application/json' \\\n"
      "    -d '{\"messages\": [{\"role\": \"user\", \"content\": \"Hello\"}], \"max_tokens\": 32}'");
  cmd->add_option("--model", opt->model_path, "Hugging Face model directory (a decoder with an LM head)")
      ->required();
  cmd->add_option("--served-model-name", opt->served_model_name,
                  "The model id clients use (default: the directory's name)");
  cmd->add_option("--embedding-model", opt->embedding_model_path, "Model directory for /v1/embeddings");
  cmd->add_option("--db", opt->db, "Chunk catalog for /v1/rag/query and /v1/documents (created if missing)");
  cmd->add_option("--host", opt->host, "Address to listen on")->capture_default_str();
  cmd->add_option("--port", opt->port, "Port to listen on (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--api-key", opt->api_keys,
                  "Require 'Authorization: Bearer KEY' on every route but /health (repeatable; also "
                  "CHUNKWISE_API_KEY)");
  cmd->add_option("--max-num-seqs", opt->max_num_seqs, "Sequences in one forward pass, at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  cmd->add_option("--max-batched-tokens", opt->max_batched_tokens, "Tokens in one forward pass, at most")
      ->capture_default_str()
      ->check(CLI::Range(1, 1 << 20));
  cmd->add_flag("--no-chunked-prefill", opt->no_chunked_prefill, "Run each prompt in one forward pass");
  cmd->add_flag("--no-prefix-caching", opt->no_prefix_caching,
                "Do not reuse KV blocks of equal prompt prefixes");
  cmd->add_option("--block-size", opt->block_size, "Tokens per KV cache block")
      ->capture_default_str()
      ->check(CLI::Range(1, 1024));
  cmd->add_option("--kv-cache-gb", opt->kv_cache_gb, "Memory for the KV cache, GiB")->capture_default_str();
  cmd->add_option("--max-body-mb", opt->max_body_mb, "Largest request body, MiB (larger: 413)")
      ->capture_default_str();
  cmd->add_option("--http-threads", opt->http_threads, "Connections served at once")
      ->capture_default_str()
      ->check(CLI::Range(4, 4096));
  cmd->add_option("--threads", opt->threads, "CPU threads (0: CHUNKWISE_THREADS or all cores)");
  cmd->callback([&run, opt] { run = [opt] { return run_serve(*opt); }; });
}

}  // namespace chunkwise::cli
