// The weights of a model directory: `model.safetensors`, or the shards named by
// `model.safetensors.index.json`, memory-mapped and validated, with one name -> tensor lookup across all
// files.
#pragma once

#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/safetensors.h"

namespace chunkwise::model {

inline constexpr std::string_view kSingleWeightsFile = "model.safetensors";
inline constexpr std::string_view kWeightsIndexFile = "model.safetensors.index.json";

class Checkpoint {
 public:
  // Opens DIR/model.safetensors if it exists, else DIR/model.safetensors.index.json and its shards (the order
  // transformers uses).
  // Throws Error(not_found) if neither exists; Error(invalid_input) naming the file and tensor for a bad
  // header, an index naming a shard that does not exist or a tensor its shard lacks, or a tensor stored in
  // two files.
  static Checkpoint open(const std::filesystem::path& model_dir);

  // Opens the given safetensors files as one checkpoint (no index).
  static Checkpoint open_files(const std::vector<std::filesystem::path>& files);

  std::optional<TensorView> find(std::string_view name) const;
  std::vector<TensorView> tensors() const;  // every tensor of every file, sorted by name
  const std::vector<SafetensorsFile>& files() const { return files_; }
  // "model.safetensors" or "model.safetensors.index.json": the file to name when a tensor is missing.
  const std::string& source_name() const { return source_name_; }
  uint64_t total_file_bytes() const;

 private:
  struct Location {
    size_t file = 0;
    const TensorInfo* info = nullptr;
  };
  void add_file(const std::filesystem::path& path);

  std::vector<SafetensorsFile> files_;
  std::map<std::string, Location, std::less<>> by_name_;
  std::string source_name_;
};

}  // namespace chunkwise::model
