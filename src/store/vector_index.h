// The dense-vector index of one embedding model: an HNSW graph (hnswlib, inner product on L2-normalized
// vectors = cosine) over the catalog's chunk embeddings, labels = chunk ids.
//
// Persisted next to the catalog as two files named after the state they were built from,
//   FILE.m<model id>-g<generation>.hnsw        hnswlib's index
//   FILE.m<model id>-g<generation>.hnsw.json   manifest: catalog id, model fingerprint, generation, count,
//                                              dimension, HNSW parameters, the index file's size and hash
// Each is written to a temporary name and renamed into place, index first, so a reader that finds the
// manifest finds a complete index; files are never changed once in place, so concurrent readers cannot see
// a half-written one. A reader opens the files of the generation the catalog says now; when they are missing
// or do not match (another catalog, another model, a damaged file) it takes the newest older generation and
// brings it up to date (chunks no longer embedded are marked deleted, new or changed vectors added), or,
// when there is none or more than a fifth of its vectors would be deleted ones, builds the index from the
// embeddings; the result is saved and older generations of the model are removed. A build is deterministic:
// chunks in id order, one thread, a fixed seed; so is an update from a given older index.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "store/catalog.h"
#include "store/embeddings.h"

namespace chunkwise::store {

struct HnswParams {
  size_t m = 16;                 // graph degree (2 * m on the bottom layer)
  size_t ef_construction = 200;  // candidate list while building
  size_t seed = 100;             // level generator
};

struct VectorMatch {
  int64_t chunk_id = 0;
  float similarity = 0;  // cosine: 1 - inner-product distance
};

class VectorIndex {
 public:
  enum class Origin { loaded, built_and_saved, built_not_saved };

  // The index of `model` as the catalog stands now (its generation is read again). Searches hold a
  // ReadTransaction around this and the reading of the hits' chunks, so that both see one catalog state.
  // Error(not_found) if the model is no longer in the catalog.
  static VectorIndex open(Catalog& catalog, const EmbeddingModel& model, const HnswParams& params = {});
  // Builds from the catalog's embeddings, without looking at or writing files.
  static VectorIndex build(Catalog& catalog, const EmbeddingModel& model, const HnswParams& params = {});

  VectorIndex(VectorIndex&&) noexcept;
  VectorIndex& operator=(VectorIndex&&) noexcept;
  ~VectorIndex();

  // The k nearest chunks, most similar first (ties by chunk id); ef = the search's candidate list (at least
  // k is used). Error(invalid_input) for a query of the wrong dimension.
  std::vector<VectorMatch> search(std::span<const float> query, size_t k, size_t ef = 64);

  size_t size() const;                       // vectors it returns (deleted ones not counted)
  size_t deleted_count() const;              // vectors marked deleted by updates, still in the graph
  bool updated() const { return updated_; }  // an older generation brought up to date rather than built
  int64_t dimension() const { return dimension_; }
  Origin origin() const { return origin_; }
  const std::string& warning() const { return warning_; }  // why a built index could not be saved
  double build_seconds() const { return build_seconds_; }  // building or updating; 0 when loaded
  const std::filesystem::path& path() const { return path_; }

 private:
  struct Graph;
  VectorIndex();
  static std::optional<VectorIndex> load_matching(const std::string& catalog_identity,
                                                  const EmbeddingModel& model, const HnswParams& params,
                                                  const std::filesystem::path& catalog_path);
  void update(Catalog& catalog, const EmbeddingModel& model);
  void save(const Catalog& catalog, const std::string& catalog_identity, const EmbeddingModel& model,
            const HnswParams& params);

  std::unique_ptr<Graph> graph_;
  int64_t dimension_ = 0;
  Origin origin_ = Origin::built_not_saved;
  std::string warning_;
  double build_seconds_ = 0;
  bool updated_ = false;
  std::filesystem::path path_;
};

std::filesystem::path vector_index_path(const std::filesystem::path& catalog_path,
                                        const EmbeddingModel& model);
std::filesystem::path vector_manifest_path(const std::filesystem::path& catalog_path,
                                           const EmbeddingModel& model);
// The generations of the model's index saved next to the catalog (manifests present), newest first.
std::vector<int64_t> saved_generations(const std::filesystem::path& catalog_path, int64_t model_id);
// The index and manifest files that exist next to the catalog (for ingest to skip them).
std::vector<std::filesystem::path> vector_index_files(const std::filesystem::path& catalog_path);

}  // namespace chunkwise::store
