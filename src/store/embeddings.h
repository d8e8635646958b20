// Chunk embeddings in the catalog, per embedding model (schema version 2, see catalog.h). A model is known by
// its fingerprint (what its embeddings depend on: weights, config, tokenizer, pooling; see
// retrieve/embedding_model.h); its row keeps the directory it was last used from, its dimension and a
// generation that grows with every change to its embeddings. Vectors are float32, stored as raw bytes.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/catalog.h"

namespace chunkwise::store {

struct EmbeddingModel {
  int64_t id = 0;
  std::string fingerprint;
  std::string path;  // the directory it was last registered from
  int64_t dimension = 0;
  int64_t generation = 0;
};

// The catalog's random identity (catalog_info.catalog_id).
std::string catalog_id(Catalog& catalog);

// Adds the model or updates its path; opens its own transaction. Error(invalid_input) if the fingerprint is
// known with another dimension.
EmbeddingModel register_embedding_model(Catalog& catalog, std::string_view fingerprint, std::string_view path,
                                        int64_t dimension);
std::optional<EmbeddingModel> find_embedding_model(Catalog& catalog, std::string_view fingerprint);
std::optional<EmbeddingModel> find_embedding_model(Catalog& catalog, int64_t id);
std::vector<EmbeddingModel> embedding_models(Catalog& catalog);

struct ChunkText {
  int64_t id = 0;
  std::string text;
};

// Chunks without an embedding for `model_id`, in id order, with ids above `after_id`; at most `limit`.
std::vector<ChunkText> chunks_without_embedding(Catalog& catalog, int64_t model_id, int64_t after_id,
                                                size_t limit);
int64_t count_chunks_without_embedding(Catalog& catalog, int64_t model_id);
int64_t embedding_count(Catalog& catalog, int64_t model_id);

// Stores the embedding of `chunk` (inside a transaction from begin_write()) if the chunk still exists with
// that text; returns false (and stores nothing) if it was removed or replaced meanwhile. Error(invalid_input)
// for a vector of the wrong dimension or with non-finite values.
bool put_embedding(Catalog& catalog, const EmbeddingModel& model, const ChunkText& chunk,
                   std::span<const float> vector);

// Every embedding of the model in chunk id order. Error(invalid_input) for a stored vector of the wrong size.
void for_each_embedding(Catalog& catalog, const EmbeddingModel& model,
                        const std::function<void(int64_t chunk_id, std::span<const float> vector)>& visit);
// The embeddings of the given chunks that exist (others are left out), in the order of `chunk_ids`.
std::vector<std::pair<int64_t, std::vector<float>>> embeddings_of(Catalog& catalog,
                                                                  const EmbeddingModel& model,
                                                                  std::span<const int64_t> chunk_ids);

}  // namespace chunkwise::store
