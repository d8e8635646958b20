#include "retrieve/chunk_embedding.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>

#include "common/error.h"
#include "model/checkpoint_fingerprint.h"

namespace chunkwise::retrieve {

namespace fs = std::filesystem;

std::string model_fingerprint(const model::Embedder& embedder) {
  model::FingerprintHash hash;
  model::add_checkpoint_contents(hash, embedder.directory().path);
  hash.add_field("pooling", model::to_string(embedder.pooling()));
  hash.add_field("normalize", embedder.normalize() ? "1" : "0");
  hash.add_field("dimension", std::to_string(embedder.dimension()));
  hash.add_field("max_tokens", std::to_string(embedder.max_tokens()));
  return hash.hex();
}

store::EmbeddingModel register_embedder(store::Catalog& catalog, const model::Embedder& embedder) {
  std::error_code ec;
  fs::path path = fs::weakly_canonical(embedder.directory().path, ec);
  if (ec) path = embedder.directory().path;
  return store::register_embedding_model(catalog, model_fingerprint(embedder), path.string(),
                                         embedder.dimension());
}

EmbedChunksSummary embed_missing_chunks(store::Catalog& catalog, const model::Embedder& embedder,
                                        const store::EmbeddingModel& model, size_t batch,
                                        const EmbedChunksCallbacks& callbacks) {
  if (batch == 0) fail(ErrorKind::invalid_input, "embedding batch size must be at least 1");
  if (embedder.dimension() != model.dimension)
    fail(ErrorKind::invalid_input, "the embedder's dimension {} is not the model's {}", embedder.dimension(),
         model.dimension);
  const auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  EmbedChunksSummary summary;
  summary.total = static_cast<size_t>(store::count_chunks_without_embedding(catalog, model.id));
  EmbedChunksProgress progress{0, summary.total, 0};
  int64_t after = 0;
  for (;;) {
    const std::vector<store::ChunkText> chunks =
        store::chunks_without_embedding(catalog, model.id, after, batch);
    if (chunks.empty()) break;
    after = chunks.back().id;
    std::vector<const store::ChunkText*> taken;
    std::vector<std::vector<int32_t>> sequences;
    for (const store::ChunkText& chunk : chunks) {
      try {
        sequences.push_back(embedder.tokenize(chunk.text));
        taken.push_back(&chunk);
      } catch (const Error& e) {
        ++summary.failed;
        if (callbacks.on_warning)
          callbacks.on_warning(fmt::format("chunk {}: not embedded: {}", chunk.id, e.what()));
      }
    }
    if (!sequences.empty()) {
      const std::vector<std::vector<float>> vectors = embedder.embed_tokens(sequences);
      auto transaction = catalog.begin_write();
      for (size_t i = 0; i < taken.size(); ++i) {
        if (store::put_embedding(catalog, model, *taken[i], vectors[i]))
          ++summary.embedded;
        else
          ++summary.vanished;
      }
      transaction.commit();
    }
    progress.done += chunks.size();
    progress.total = std::max(progress.total, progress.done);  // chunks added meanwhile
    progress.seconds = elapsed();
    if (callbacks.on_progress) callbacks.on_progress(progress);
  }
  summary.seconds = elapsed();
  return summary;
}

std::vector<float> embed_query(const model::Embedder& embedder, std::string_view query,
                               std::string_view prefix) {
  const std::vector<std::string> texts = {std::string(prefix) + std::string(query)};
  return embedder.embed(texts).at(0);
}

}  // namespace chunkwise::retrieve
