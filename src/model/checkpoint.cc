#include "model/checkpoint.h"

#include "common/error.h"
#include "common/file.h"

namespace chunkwise::model {

void Checkpoint::add_file(const std::filesystem::path& path) {
  files_.emplace_back(path);
  const size_t file_index = files_.size() - 1;
  const SafetensorsFile& file = files_.back();
  for (const TensorInfo& info : file.header().tensors) {
    const auto [it, inserted] = by_name_.emplace(info.name, Location{file_index, &info});
    if (!inserted) {
      fail(ErrorKind::invalid_input, "{}: tensor '{}' is also stored in {}", file.file_name(), info.name,
           files_[it->second.file].file_name());
    }
  }
}

Checkpoint Checkpoint::open_files(const std::vector<std::filesystem::path>& files) {
  Checkpoint checkpoint;
  checkpoint.files_.reserve(files.size());  // Location keeps pointers into headers: no reallocation
  for (const auto& path : files) checkpoint.add_file(path);
  checkpoint.source_name_ = files.size() == 1 ? files.front().filename().string() : "safetensors files";
  return checkpoint;
}

Checkpoint Checkpoint::open(const std::filesystem::path& model_dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(model_dir, ec)) {
    fail(ErrorKind::not_found, "{}: no such model directory", model_dir.string());
  }
  const auto index_path = model_dir / kWeightsIndexFile;
  const auto single_path = model_dir / kSingleWeightsFile;
  // As transformers does: model.safetensors wins when both it and an index exist.
  if (std::filesystem::exists(single_path, ec)) return open_files({single_path});
  if (!std::filesystem::exists(index_path, ec)) {
    fail(ErrorKind::not_found, "{}: no {} or {}", model_dir.string(), kSingleWeightsFile, kWeightsIndexFile);
  }

  const std::string index_name(kWeightsIndexFile);
  const SafetensorsIndex index =
      with_context(index_name, [&] { return parse_safetensors_index(read_file(index_path)); });
  if (index.shard_files.empty()) fail(ErrorKind::invalid_input, "{}: weight_map is empty", index_name);
  std::vector<std::filesystem::path> shard_paths;
  for (const auto& shard : index.shard_files) {
    const auto path = model_dir / shard;
    if (!std::filesystem::is_regular_file(path, ec)) {
      fail(ErrorKind::not_found, "{}: names shard '{}', which does not exist in {}", index_name, shard,
           model_dir.string());
    }
    shard_paths.push_back(path);
  }
  Checkpoint checkpoint = open_files(shard_paths);
  checkpoint.source_name_ = index_name;
  for (const auto& [name, shard] : index.weight_map) {
    const auto it = checkpoint.by_name_.find(name);
    if (it == checkpoint.by_name_.end() || checkpoint.files_[it->second.file].file_name() != shard) {
      fail(ErrorKind::invalid_input, "{}: tensor '{}' is mapped to {}, which does not contain it", index_name,
           name, shard);
    }
  }
  return checkpoint;
}

std::optional<TensorView> Checkpoint::find(std::string_view name) const {
  const auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return files_[it->second.file].view(*it->second.info);
}

std::vector<TensorView> Checkpoint::tensors() const {
  std::vector<TensorView> all;
  all.reserve(by_name_.size());
  for (const auto& [name, location] : by_name_) all.push_back(files_[location.file].view(*location.info));
  return all;
}

uint64_t Checkpoint::total_file_bytes() const {
  uint64_t total = 0;
  for (const auto& file : files_) total += file.file_size();
  return total;
}

}  // namespace chunkwise::model
