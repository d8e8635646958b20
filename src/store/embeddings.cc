#include "store/embeddings.h"

#include <cmath>
#include <cstring>

#include "common/error.h"

namespace chunkwise::store {

namespace {

constexpr const char* kModelColumns = "id, fingerprint, path, dimension, generation";

EmbeddingModel read_model(const Statement& row) {
  return {row.column_int(0), row.column_text(1), row.column_text(2), row.column_int(3), row.column_int(4)};
}

std::span<const float> as_vector(Catalog& catalog, const EmbeddingModel& model, int64_t chunk_id,
                                 std::span<const std::byte> blob, std::vector<float>& buffer) {
  const auto expected = static_cast<size_t>(model.dimension) * sizeof(float);
  if (blob.size() != expected)
    fail(ErrorKind::invalid_input, "{}: embedding of chunk {} has {} bytes, expected {} (dimension {})",
         catalog.database().path(), chunk_id, blob.size(), expected, model.dimension);
  buffer.resize(static_cast<size_t>(model.dimension));
  std::memcpy(buffer.data(), blob.data(), expected);  // SQLite's blob need not be aligned for float
  return buffer;
}

}  // namespace

std::string catalog_id(Catalog& catalog) {
  Statement query = catalog.database().prepare("SELECT value FROM catalog_info WHERE key = 'catalog_id'");
  if (!query.step())
    fail(ErrorKind::invalid_input, "{}: catalog has no catalog_id", catalog.database().path());
  return query.column_text(0);
}

EmbeddingModel register_embedding_model(Catalog& catalog, std::string_view fingerprint, std::string_view path,
                                        int64_t dimension) {
  if (dimension <= 0) fail(ErrorKind::invalid_input, "embedding dimension {} is not positive", dimension);
  auto transaction = catalog.begin_write();
  if (const auto known = find_embedding_model(catalog, fingerprint)) {
    if (known->dimension != dimension)
      fail(ErrorKind::invalid_input, "{}: embedding model {} is stored with dimension {}, not {}",
           catalog.database().path(), fingerprint, known->dimension, dimension);
    if (known->path != path)
      catalog.database()
          .prepare("UPDATE embedding_models SET path = ? WHERE id = ?")
          .bind(1, path)
          .bind(2, known->id)
          .step();
  } else {
    catalog.database()
        .prepare("INSERT INTO embedding_models(fingerprint, path, dimension) VALUES (?, ?, ?)")
        .bind(1, fingerprint)
        .bind(2, path)
        .bind(3, dimension)
        .step();
  }
  EmbeddingModel model = *find_embedding_model(catalog, fingerprint);
  transaction.commit();
  return model;
}

std::optional<EmbeddingModel> find_embedding_model(Catalog& catalog, std::string_view fingerprint) {
  Statement query = catalog.database().prepare(
      fmt::format("SELECT {} FROM embedding_models WHERE fingerprint = ?", kModelColumns));
  query.bind(1, fingerprint);
  if (!query.step()) return std::nullopt;
  return read_model(query);
}

std::optional<EmbeddingModel> find_embedding_model(Catalog& catalog, int64_t id) {
  Statement query =
      catalog.database().prepare(fmt::format("SELECT {} FROM embedding_models WHERE id = ?", kModelColumns));
  query.bind(1, id);
  if (!query.step()) return std::nullopt;
  return read_model(query);
}

std::vector<EmbeddingModel> embedding_models(Catalog& catalog) {
  std::vector<EmbeddingModel> models;
  Statement query =
      catalog.database().prepare(fmt::format("SELECT {} FROM embedding_models ORDER BY id", kModelColumns));
  while (query.step()) models.push_back(read_model(query));
  return models;
}

std::vector<ChunkText> chunks_without_embedding(Catalog& catalog, int64_t model_id, int64_t after_id,
                                                size_t limit) {
  Statement query = catalog.database().prepare(
      "SELECT c.id, c.text FROM chunks c WHERE c.id > ? AND NOT EXISTS (SELECT 1 FROM chunk_embeddings e "
      "WHERE e.model_id = ? AND e.chunk_id = c.id) ORDER BY c.id LIMIT ?");
  query.bind(1, after_id).bind(2, model_id).bind(3, static_cast<int64_t>(limit));
  std::vector<ChunkText> chunks;
  while (query.step()) chunks.push_back({query.column_int(0), query.column_text(1)});
  return chunks;
}

int64_t count_chunks_without_embedding(Catalog& catalog, int64_t model_id) {
  Statement query = catalog.database().prepare(
      "SELECT count(*) FROM chunks c WHERE NOT EXISTS (SELECT 1 FROM chunk_embeddings e WHERE e.model_id = ? "
      "AND e.chunk_id = c.id)");
  query.bind(1, model_id).step();
  return query.column_int(0);
}

int64_t embedding_count(Catalog& catalog, int64_t model_id) {
  Statement query = catalog.database().prepare("SELECT count(*) FROM chunk_embeddings WHERE model_id = ?");
  query.bind(1, model_id).step();
  return query.column_int(0);
}

bool put_embedding(Catalog& catalog, const EmbeddingModel& model, const ChunkText& chunk,
                   std::span<const float> vector) {
  if (!catalog.database().in_transaction()) fail(ErrorKind::internal, "put_embedding outside a transaction");
  if (vector.size() != static_cast<size_t>(model.dimension))
    fail(ErrorKind::invalid_input, "embedding of chunk {} has {} values, the model's dimension is {}",
         chunk.id, vector.size(), model.dimension);
  for (const float v : vector)
    if (!std::isfinite(v))
      fail(ErrorKind::invalid_input, "embedding of chunk {} has a non-finite value", chunk.id);
  // The chunk may have been removed, or removed and its id reused by another text, since it was read.
  Statement insert = catalog.database().prepare(
      "INSERT OR REPLACE INTO chunk_embeddings(model_id, chunk_id, vector) SELECT ?, id, ? FROM chunks "
      "WHERE id = ? AND text = ?");
  insert.bind(1, model.id).bind_blob(2, std::as_bytes(vector)).bind(3, chunk.id).bind(4, chunk.text).step();
  return catalog.database().changes() > 0;
}

void for_each_embedding(Catalog& catalog, const EmbeddingModel& model,
                        const std::function<void(int64_t chunk_id, std::span<const float> vector)>& visit) {
  Statement query = catalog.database().prepare(
      "SELECT chunk_id, vector FROM chunk_embeddings WHERE model_id = ? ORDER BY chunk_id");
  query.bind(1, model.id);
  std::vector<float> buffer;
  while (query.step()) {
    const int64_t chunk_id = query.column_int(0);
    visit(chunk_id, as_vector(catalog, model, chunk_id, query.column_blob(1), buffer));
  }
}

std::vector<std::pair<int64_t, std::vector<float>>> embeddings_of(Catalog& catalog,
                                                                  const EmbeddingModel& model,
                                                                  std::span<const int64_t> chunk_ids) {
  Statement query =
      catalog.database().prepare("SELECT vector FROM chunk_embeddings WHERE model_id = ? AND chunk_id = ?");
  std::vector<std::pair<int64_t, std::vector<float>>> out;
  std::vector<float> buffer;
  for (const int64_t id : chunk_ids) {
    query.reset();
    query.bind(1, model.id).bind(2, id);
    if (!query.step()) continue;
    const std::span<const float> vector = as_vector(catalog, model, id, query.column_blob(0), buffer);
    out.emplace_back(id, std::vector<float>(vector.begin(), vector.end()));
  }
  return out;
}

}  // namespace chunkwise::store
