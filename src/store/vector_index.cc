#include "store/vector_index.h"

#include <fcntl.h>
#include <unistd.h>

// hnswlib 0.6's SSE path prefetches the neighbour after the last one of a list, reading one 4-byte id past
// the end of the list's allocation (only to form a prefetch address; nothing is read through it).
// AddressSanitizer rightly reports that read, so sanitizer builds use hnswlib's plain loops, which have no
// prefetches.
#if defined(__SANITIZE_ADDRESS__)
#define NO_MANUAL_VECTORIZATION
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_MANUAL_VECTORIZATION
#endif
#endif
#include <hnswlib/hnswlib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <unordered_set>

#include "common/error.h"

namespace chunkwise::store {

namespace fs = std::filesystem;

struct VectorIndex::Graph {
  explicit Graph(size_t dimension) : space(dimension) {}
  hnswlib::InnerProductSpace space;
  std::unique_ptr<hnswlib::HierarchicalNSW<float>> hnsw;
};

namespace {

constexpr const char* kFormat = "chunkwise-hnsw 1";

// 64-bit FNV-1a over the file's bytes, eight at a time (a check against damaged files, not a digest).
std::string file_hash(const fs::path& path, uint64_t& size) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::io, "{}: cannot read", path.string());
  uint64_t hash = 0xcbf29ce484222325ull;
  size = 0;
  std::vector<char> buffer(1 << 20);
  while (in) {
    in.read(buffer.data(), static_cast<std::streamsize>(buffer.size()));
    const auto got = static_cast<size_t>(in.gcount());
    size += got;
    size_t i = 0;
    for (; i + 8 <= got; i += 8) {
      uint64_t word;
      std::memcpy(&word, buffer.data() + i, 8);
      hash = (hash ^ word) * 0x100000001b3ull;
    }
    for (; i < got; ++i) hash = (hash ^ static_cast<unsigned char>(buffer[i])) * 0x100000001b3ull;
  }
  return fmt::format("{:016x}", hash);
}

void sync_file(const fs::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail(ErrorKind::io, "{}: cannot open to sync", path.string());
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) fail(ErrorKind::io, "{}: fsync failed", path.string());
}

fs::path temporary_name(const fs::path& path) {
  std::random_device random;
  return fs::path(path.string() + fmt::format(".tmp-{}-{:08x}", ::getpid(), random()));
}

nlohmann::json manifest_for(const std::string& catalog_identity, const EmbeddingModel& model,
                            const HnswParams& params, size_t count) {
  return {{"format", kFormat},
          {"catalog_id", catalog_identity},
          {"model_id", model.id},
          {"model_fingerprint", model.fingerprint},
          {"generation", model.generation},
          {"dimension", model.dimension},
          {"count", count},
          {"space", "inner_product"},
          {"M", params.m},
          {"ef_construction", params.ef_construction},
          {"seed", params.seed}};
}

std::string file_prefix(const fs::path& catalog_path) {
  return catalog_path.filename().string() + ".m";
}

}  // namespace

fs::path vector_index_path(const fs::path& catalog_path, const EmbeddingModel& model) {
  return fs::path(catalog_path.string() + fmt::format(".m{}-g{}.hnsw", model.id, model.generation));
}

fs::path vector_manifest_path(const fs::path& catalog_path, const EmbeddingModel& model) {
  return fs::path(vector_index_path(catalog_path, model).string() + ".json");
}

std::vector<fs::path> vector_index_files(const fs::path& catalog_path) {
  std::vector<fs::path> files;
  std::error_code ec;
  const fs::path dir = catalog_path.has_parent_path() ? catalog_path.parent_path() : fs::path(".");
  const std::string prefix = file_prefix(catalog_path);
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (name.starts_with(prefix) &&
        (name.ends_with(".hnsw") || name.ends_with(".hnsw.json") ||
         name.find(".hnsw.tmp-") != std::string::npos || name.find(".hnsw.json.tmp-") != std::string::npos))
      files.push_back(it->path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

VectorIndex::VectorIndex() = default;
VectorIndex::VectorIndex(VectorIndex&&) noexcept = default;
VectorIndex& VectorIndex::operator=(VectorIndex&&) noexcept = default;
VectorIndex::~VectorIndex() = default;

VectorIndex VectorIndex::build(Catalog& catalog, const EmbeddingModel& model, const HnswParams& params) {
  if (params.m < 2 || params.m > 256) fail(ErrorKind::invalid_input, "HNSW M {} is outside 2..256", params.m);
  const auto start = std::chrono::steady_clock::now();
  ReadTransaction snapshot(catalog.database());
  const int64_t count = embedding_count(catalog, model.id);
  VectorIndex index;
  index.dimension_ = model.dimension;
  index.graph_ = std::make_unique<Graph>(static_cast<size_t>(model.dimension));
  index.graph_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(
      &index.graph_->space, static_cast<size_t>(std::max<int64_t>(count, 1)), params.m,
      std::max(params.ef_construction, size_t{1}), params.seed);
  size_t added = 0;
  for_each_embedding(catalog, model, [&](int64_t chunk_id, std::span<const float> vector) {
    if (added == static_cast<size_t>(count))
      fail(ErrorKind::internal, "embeddings changed while the index was built");
    index.graph_->hnsw->addPoint(vector.data(), static_cast<hnswlib::labeltype>(chunk_id));
    ++added;
  });
  index.build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return index;
}

VectorIndex VectorIndex::open(Catalog& catalog, const EmbeddingModel& model_asked, const HnswParams& params) {
  ReadTransaction snapshot(catalog.database());  // the caller's, if it has one
  const std::optional<EmbeddingModel> current = find_embedding_model(catalog, model_asked.id);
  if (!current || current->fingerprint != model_asked.fingerprint)
    fail(ErrorKind::not_found, "{}: embedding model {} is not in the catalog", catalog.database().path(),
         model_asked.fingerprint);
  const EmbeddingModel& model = *current;
  const fs::path catalog_path = catalog.database().path();
  const fs::path index_path = vector_index_path(catalog_path, model);
  const fs::path manifest_path = vector_manifest_path(catalog_path, model);
  const std::string identity = catalog_id(catalog);

  if (std::optional<VectorIndex> index = load_matching(identity, model, params, catalog_path))
    return *std::move(index);

  // An older generation of this index, brought up to date, is much cheaper than a new graph while the
  // changes are few: removed chunks are marked deleted, new or changed vectors added.
  std::optional<VectorIndex> updated;
  for (const int64_t generation : saved_generations(catalog_path, model.id)) {
    if (generation >= model.generation) continue;
    EmbeddingModel older = model;
    older.generation = generation;
    try {
      updated = load_matching(identity, older, params, catalog_path);
      if (updated) {
        updated->update(catalog, model);
        if (updated->deleted_count() * 4 > updated->size()) updated.reset();  // too many holes: rebuild
      }
    } catch (const std::exception&) {
      updated.reset();
    }
    break;  // only the newest older one is tried
  }
  VectorIndex index = updated ? *std::move(updated) : build(catalog, model, params);
  try {
    index.save(catalog, identity, model, params);
    index.origin_ = Origin::built_and_saved;
  } catch (const std::exception& e) {
    index.origin_ = Origin::built_not_saved;
    index.warning_ = e.what();
  }
  return index;
}

std::optional<VectorIndex> VectorIndex::load_matching(const std::string& identity,
                                                      const EmbeddingModel& model, const HnswParams& params,
                                                      const fs::path& catalog_path) {
  const fs::path index_path = vector_index_path(catalog_path, model);
  const fs::path manifest_path = vector_manifest_path(catalog_path, model);
  std::error_code ec;
  if (!fs::exists(manifest_path, ec)) return std::nullopt;
  try {
    std::ifstream in(manifest_path);
    const nlohmann::json manifest = nlohmann::json::parse(in, nullptr, false);
    nlohmann::json expected = manifest_for(identity, model, params, 0);
    if (!manifest.is_object() || !manifest.contains("count") || !manifest["count"].is_number_unsigned())
      return std::nullopt;
    expected["count"] = manifest["count"];
    expected["index_bytes"] = manifest.value("index_bytes", uint64_t{0});
    expected["index_hash"] = manifest.value("index_hash", std::string());
    if (manifest != expected) return std::nullopt;
    uint64_t size = 0;
    if (file_hash(index_path, size) != expected["index_hash"] ||
        size != expected["index_bytes"].get<uint64_t>())
      return std::nullopt;
    VectorIndex index;
    index.dimension_ = model.dimension;
    index.graph_ = std::make_unique<Graph>(static_cast<size_t>(model.dimension));
    // hnswlib's loading constructor leaves the deletion count uninitialized: start from zero, then load.
    index.graph_->hnsw = std::make_unique<hnswlib::HierarchicalNSW<float>>(&index.graph_->space);
    index.graph_->hnsw->num_deleted_ = 0;
    index.graph_->hnsw->metric_distance_computations = 0;
    index.graph_->hnsw->metric_hops = 0;
    index.graph_->hnsw->loadIndex(index_path.string(), &index.graph_->space);
    if (index.size() != manifest["count"].get<size_t>()) return std::nullopt;
    index.origin_ = Origin::loaded;
    index.path_ = index_path;
    return index;
  } catch (const std::exception&) {
    return std::nullopt;  // a damaged or foreign file
  }
}

void VectorIndex::update(Catalog& catalog, const EmbeddingModel& model) {
  const auto start = std::chrono::steady_clock::now();
  hnswlib::HierarchicalNSW<float>& hnsw = *graph_->hnsw;
  const size_t bytes = static_cast<size_t>(model.dimension) * sizeof(float);
  std::unordered_set<int64_t> present;
  for_each_embedding(catalog, model, [&](int64_t chunk_id, std::span<const float> vector) {
    present.insert(chunk_id);
    const auto label = static_cast<hnswlib::labeltype>(chunk_id);
    const auto found = hnsw.label_lookup_.find(label);
    if (found != hnsw.label_lookup_.end() && !hnsw.isMarkedDeleted(found->second) &&
        std::memcmp(hnsw.getDataByInternalId(found->second), vector.data(), bytes) == 0)
      return;  // unchanged
    if (found == hnsw.label_lookup_.end() && hnsw.cur_element_count >= hnsw.max_elements_)
      hnsw.resizeIndex(std::max<size_t>(hnsw.max_elements_ * 2, 1024));
    hnsw.addPoint(vector.data(), label);  // adds, or replaces the vector of a reused chunk id
  });
  std::vector<hnswlib::labeltype> removed;
  for (const auto& [label, internal] : hnsw.label_lookup_)
    if (!present.count(static_cast<int64_t>(label)) && !hnsw.isMarkedDeleted(internal))
      removed.push_back(label);
  std::sort(removed.begin(), removed.end());
  for (const hnswlib::labeltype label : removed) hnsw.markDelete(label);
  updated_ = true;
  build_seconds_ = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<int64_t> saved_generations(const fs::path& catalog_path, int64_t model_id) {
  const std::string prefix = file_prefix(catalog_path) + std::to_string(model_id) + "-g";
  std::vector<int64_t> generations;
  for (const fs::path& file : vector_index_files(catalog_path)) {
    const std::string name = file.filename().string();
    if (!name.starts_with(prefix) || !name.ends_with(".hnsw.json")) continue;
    char* end = nullptr;
    const int64_t generation = std::strtoll(name.c_str() + prefix.size(), &end, 10);
    if (end && std::string_view(end) == ".hnsw.json") generations.push_back(generation);
  }
  std::sort(generations.rbegin(), generations.rend());
  return generations;
}

void VectorIndex::save(const Catalog& catalog, const std::string& catalog_identity,
                       const EmbeddingModel& model, const HnswParams& params) {
  const fs::path catalog_path = const_cast<Catalog&>(catalog).database().path();
  const fs::path index_path = vector_index_path(catalog_path, model);
  const fs::path manifest_path = vector_manifest_path(catalog_path, model);
  const fs::path index_temp = temporary_name(index_path);
  const fs::path manifest_temp = temporary_name(manifest_path);
  std::error_code ec;
  try {
    graph_->hnsw->saveIndex(index_temp.string());
    uint64_t size = 0;
    const std::string hash = file_hash(index_temp, size);
    sync_file(index_temp);
    nlohmann::json manifest = manifest_for(catalog_identity, model, params, size_t(this->size()));
    manifest["index_bytes"] = size;
    manifest["index_hash"] = hash;
    {
      std::ofstream out(manifest_temp);
      out << manifest.dump(2) << "\n";
      if (!out.flush()) fail(ErrorKind::io, "{}: cannot write", manifest_temp.string());
    }
    sync_file(manifest_temp);
    fs::rename(index_temp, index_path);  // index first: a manifest in place means its index is complete
    fs::rename(manifest_temp, manifest_path);
  } catch (...) {
    fs::remove(index_temp, ec);
    fs::remove(manifest_temp, ec);
    throw;
  }
  path_ = index_path;
  // Older generations of this model are stale for good (generations only grow); later ones are kept for the
  // readers that already see them.
  const std::string prefix = file_prefix(catalog_path) + std::to_string(model.id) + "-g";
  for (const fs::path& file : vector_index_files(catalog_path)) {
    const std::string name = file.filename().string();
    if (!name.starts_with(prefix) || name.find(".tmp-") != std::string::npos) continue;
    const int64_t generation = std::strtoll(name.c_str() + prefix.size(), nullptr, 10);
    if (generation < model.generation) fs::remove(file, ec);
  }
}

size_t VectorIndex::size() const {
  return graph_->hnsw->cur_element_count - graph_->hnsw->num_deleted_;
}

size_t VectorIndex::deleted_count() const {
  return graph_->hnsw->num_deleted_;
}

std::vector<VectorMatch> VectorIndex::search(std::span<const float> query, size_t k, size_t ef) {
  if (query.size() != static_cast<size_t>(dimension_))
    fail(ErrorKind::invalid_input, "query vector has {} values, the index's dimension is {}", query.size(),
         dimension_);
  std::vector<VectorMatch> matches;
  if (k == 0 || size() == 0) return matches;
  graph_->hnsw->setEf(std::max(ef, k));
  auto queue = graph_->hnsw->searchKnn(query.data(), k);
  while (!queue.empty()) {
    matches.push_back({static_cast<int64_t>(queue.top().second), 1.0f - queue.top().first});
    queue.pop();
  }
  std::sort(matches.begin(), matches.end(), [](const VectorMatch& a, const VectorMatch& b) {
    return a.similarity != b.similarity ? a.similarity > b.similarity : a.chunk_id < b.chunk_id;
  });
  return matches;
}

}  // namespace chunkwise::store
