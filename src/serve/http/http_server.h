// chunkwise serve's HTTP API (cpp-httplib): OpenAI-compatible routes over the Engine, plus /health and
// Prometheus /metrics.
//   GET  /health                 200 {"status":"ok"} (no API key needed)
//   GET  /metrics                Prometheus text
//   GET  /v1/models              the served model (and the embedding model)
//   POST /v1/chat/completions    chat template applied; SSE streaming with "stream": true
//   POST /v1/completions         text or token-id prompt; SSE streaming
//   POST /v1/embeddings          when an embedding model is loaded
//   /v1/rag/query, /v1/documents with a catalog (rag_routes.h)
// Errors are OpenAI's error object with the matching status: 400 bad field, 401 missing/wrong API key, 404
// unknown model or route, 413 body too large, 500 internal. A client that disconnects cancels its request (a
// stream's next write fails; a non-streaming answer that takes longer than heartbeat_ms is sent chunked with
// whitespace heartbeats, whose writes fail): the engine frees its KV blocks before its next step.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "model/embedder.h"
#include "serve/engine.h"

namespace chunkwise::serve::http {

struct ServerOptions {
  std::string host = "127.0.0.1";
  int port = 8080;                    // 0: any free port (see HttpServer::bind)
  std::vector<std::string> api_keys;  // empty: no authentication
  std::string model_name;             // the id clients use
  std::string embedding_model_name;   // when an embedder is given
  std::string db;                     // chunk catalog for /v1/rag/query and /v1/documents; empty: none
  size_t max_body_bytes = size_t(32) << 20;
  int threads = 128;  // connections served at once (each stream holds one)
  // A non-streaming answer not ready after heartbeat_ms is sent chunked, with a space every heartbeat_ms
  // until it is: how a client that left is noticed.
  int heartbeat_ms = 1000;
};

class HttpServer {
 public:
  // `engine` (started by the caller) and `embedder` (may be null) must outlive the server.
  HttpServer(Engine& engine, const model::Embedder* embedder, ServerOptions options);
  ~HttpServer();

  // Binds the socket; returns the port (the chosen one when options.port is 0). Error(io) when it cannot.
  int bind();
  // Serves until stop(); call after bind().
  void listen();
  void stop();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace chunkwise::serve::http
