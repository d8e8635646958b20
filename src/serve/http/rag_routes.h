// The server's retrieval-augmented routes over a chunk catalog (chunkwise serve --db FILE):
//   POST   /v1/rag/query        question (+ filters, selector, token budget) -> retrieved sources, grounded
//                               answer with citations; streams as SSE with "stream": true
//   POST   /v1/documents        upload one document (JSON {"name", "content"} or multipart field "file"):
//                               extracted, chunked and indexed as `chunkwise ingest` does
//   GET    /v1/documents        the catalog's documents
//   DELETE /v1/documents/{id}   a document and all its chunks
// Queries and listings lease one of the open read-only connections (store/catalog_readers.h; SQLite WAL:
// readers never wait for the writer); uploads and deletions open a read-write one and are serialized.
#pragma once

#include <httplib.h>

#include <filesystem>
#include <mutex>
#include <optional>
#include <string>

#include "retrieve/bm25_index.h"
#include "serve/engine.h"
#include "store/catalog_readers.h"
#include "text/jinja/chat_template.h"

namespace chunkwise::serve::http {

class RagRoutes {
 public:
  RagRoutes(Engine& engine, std::string model_name, std::filesystem::path db);

  // Each throws ApiError (or Error) for a bad request.
  void query(const httplib::Request& req, httplib::Response& res);
  void upload(const httplib::Request& req, httplib::Response& res);
  void list(httplib::Response& res);
  void remove(int64_t id, httplib::Response& res);

 private:
  Engine* engine_;
  std::string model_name_;
  std::filesystem::path db_;
  store::CatalogReaders readers_;
  retrieve::Bm25IndexCache bm25_index_;  // BM25 postings in memory, rebuilt when the catalog changes
  std::optional<text::jinja::ChatTemplate> chat_template_;
  std::mutex write_mutex_;
};

}  // namespace chunkwise::serve::http
