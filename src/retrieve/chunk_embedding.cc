#include "retrieve/chunk_embedding.h"

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>

#include "common/error.h"

namespace chunkwise::retrieve {

namespace fs = std::filesystem;

namespace {

class Fnv64 {
 public:
  void add(std::string_view bytes) {
    for (const char c : bytes) hash_ = (hash_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  }
  void add_field(std::string_view name, std::string_view bytes) {
    add(name);
    add(fmt::format(":{}:", bytes.size()));
    add(bytes);
  }
  std::string hex() const { return fmt::format("{:016x}", hash_); }

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
};

std::string read_range(std::ifstream& in, uint64_t offset, size_t size) {
  std::string bytes(size, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return bytes;
}

void add_safetensors(Fnv64& hash, const fs::path& file) {
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) fail(ErrorKind::io, "{}: cannot read its size", file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(ErrorKind::io, "{}: cannot open", file.string());
  hash.add_field("file", file.filename().string());
  hash.add_field("size", std::to_string(size));
  const std::string length_bytes = read_range(in, 0, 8);
  uint64_t header_size = 0;
  if (length_bytes.size() == 8) std::memcpy(&header_size, length_bytes.data(), 8);
  header_size = std::min<uint64_t>(header_size, std::min<uint64_t>(size, 100u << 20));
  hash.add_field("header", read_range(in, 8, static_cast<size_t>(header_size)));
  const uint64_t data_begin = 8 + header_size;
  if (size <= data_begin) return;
  constexpr size_t kSamples = 16, kSample = 4096;
  const uint64_t data = size - data_begin;
  for (size_t i = 0; i < kSamples; ++i)
    hash.add_field("sample", read_range(in, data_begin + data * i / kSamples, kSample));
}

}  // namespace

std::string model_fingerprint(const model::Embedder& embedder) {
  const fs::path dir = embedder.directory().path;
  Fnv64 hash;
  for (const char* name : {"config.json", "tokenizer.json", "tokenizer_config.json", "1_Pooling/config.json",
                           "sentence_bert_config.json"}) {
    std::ifstream in(dir / name, std::ios::binary);
    if (!in) continue;
    hash.add_field(name, std::string(std::istreambuf_iterator<char>(in), {}));
  }
  std::vector<fs::path> weights;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".safetensors") weights.push_back(it->path());
  std::sort(weights.begin(), weights.end());
  for (const fs::path& file : weights) add_safetensors(hash, file);
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
