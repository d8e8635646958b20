// The embedding pass that `chunkwise embed-index` runs and `chunkwise ingest --embed-model` runs after
// ingesting: embed every chunk that has no vector for the model yet, then bring the model's HNSW index up to
// date (built and saved next to the catalog, or found current).
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

#include "model/embedder.h"
#include "retrieve/chunk_embedding.h"
#include "store/catalog.h"
#include "store/embeddings.h"

namespace chunkwise::cli {

struct EmbedIndexResult {
  store::EmbeddingModel model;
  retrieve::EmbedChunksSummary embedded;
  size_t index_size = 0;
  double index_seconds = 0;    // building or updating it (0 when it was current)
  bool index_updated = false;  // an older index brought up to date
  bool index_saved = false;
  std::filesystem::path index_path;
};

// Loads an embedding model for indexing: long chunks are truncated to the model's limit.
model::Embedder load_index_embedder(const std::string& dir, const std::string& pooling = "");

// Progress goes to stderr as a redrawn line when `progress_line`, warnings always.
EmbedIndexResult embed_and_index(store::Catalog& catalog, const model::Embedder& embedder, size_t batch,
                                 bool progress_line);

std::string describe(const EmbedIndexResult& result);
nlohmann::json to_json(const EmbedIndexResult& result);

}  // namespace chunkwise::cli
