// The model side of dense retrieval: which embedding model a catalog's vectors come from, embedding the
// chunks that have no vector for it yet, and embedding queries.
//
// A model's fingerprint is what its vectors depend on, not where it lies: 64-bit FNV-1a over config.json,
// tokenizer.json, tokenizer_config.json, 1_Pooling/config.json and sentence_bert_config.json (those that
// exist), each *.safetensors file's size, JSON header and 16 samples of 4 KiB spread over its data, and the
// pooling, normalization, dimension and length limit. Moving a model directory keeps its vectors; retraining
// it in place (new weights, same shapes) makes a new model.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "model/embedder.h"
#include "store/catalog.h"
#include "store/embeddings.h"

namespace chunkwise::retrieve {

std::string model_fingerprint(const model::Embedder& embedder);

// Registers the embedder's model in the catalog (see store::register_embedding_model).
store::EmbeddingModel register_embedder(store::Catalog& catalog, const model::Embedder& embedder);

struct EmbedChunksProgress {
  size_t done = 0;   // chunks looked at so far
  size_t total = 0;  // chunks without an embedding when the pass began
  double seconds = 0;
};

struct EmbedChunksSummary {
  size_t embedded = 0;  // vectors stored
  size_t failed = 0;    // chunks the model could not take (a warning each)
  size_t vanished = 0;  // chunks removed or replaced while they were embedded
  size_t total = 0;     // chunks without an embedding when the pass began
  double seconds = 0;
};

struct EmbedChunksCallbacks {
  std::function<void(const EmbedChunksProgress&)> on_progress;  // after each batch
  std::function<void(const std::string&)> on_warning;
};

// Embeds, in batches of `batch` chunks (one forward pass and one transaction each), every chunk that has no
// embedding for `model`; the catalog stays usable (no write lock is held while the model runs). The embedder
// should truncate long texts (EmbedderOptions::truncate); a chunk it still cannot take is a warning.
EmbedChunksSummary embed_missing_chunks(store::Catalog& catalog, const model::Embedder& embedder,
                                        const store::EmbeddingModel& model, size_t batch = 32,
                                        const EmbedChunksCallbacks& callbacks = {});

// The query's embedding: `prefix` (an instruction such as "query: ") put before the text.
std::vector<float> embed_query(const model::Embedder& embedder, std::string_view query,
                               std::string_view prefix = "");

}  // namespace chunkwise::retrieve
