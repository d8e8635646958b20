// The safetensors format: 8-byte little-endian header length N, N bytes of JSON header, then the data region.
//   {"__metadata__": {"format": "pt"},
//    "model.norm.weight": {"dtype": "BF16", "shape": [384], "data_offsets": [begin, end]}, ...}
// Offsets are relative to the data region. The parser works on bytes in memory (fuzzed as such);
// SafetensorsFile is the thin memory-mapped layer over it.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/dtype.h"
#include "model/mapped_file.h"

namespace chunkwise::model {

// Headers larger than this are refused (the reference implementation's limit).
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct TensorInfo {
  std::string name;
  DType dtype = DType::f32;
  std::vector<int64_t> shape;
  uint64_t data_begin = 0;  // offsets into the data region, as in the header
  uint64_t data_end = 0;

  uint64_t numel() const;
};

struct SafetensorsHeader {
  std::vector<TensorInfo> tensors;              // sorted by name
  std::map<std::string, std::string> metadata;  // "__metadata__" (string values only)
  uint64_t data_offset = 0;                     // where the data region starts in the file: 8 + header length
  uint64_t data_size = 0;                       // bytes from data_offset to the end of the file

  const TensorInfo* find(std::string_view name) const;
};

// Parses and validates the header of the safetensors file whose complete contents are `file_bytes`: header
// length against file size, JSON object, dtype / shape / data_offsets of every tensor, offsets inside the
// data region, byte size == numel * dtype size, no two tensors overlapping. Throws Error(invalid_input)
// naming the tensor.
SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes);

// A tensor's place in a mapped file. Valid while the file that produced it lives.
struct TensorView {
  std::string_view name;
  DType dtype = DType::f32;
  std::span<const int64_t> shape;
  std::span<const std::byte> bytes;
  std::string_view file_name;  // e.g. "model-00001-of-00002.safetensors", for error messages

  uint64_t numel() const;
};

// Copies the tensor into `out` as f32 (f16 / bf16 converted). Throws Error(unsupported) for other dtypes,
// naming the file and tensor, and Error(internal) if `out` has the wrong size.
void copy_to_f32(const TensorView& tensor, std::span<float> out);
std::vector<float> to_f32(const TensorView& tensor);

class SafetensorsFile {
 public:
  // Maps and validates `path`; errors are prefixed with the file name.
  explicit SafetensorsFile(const std::filesystem::path& path);

  const std::filesystem::path& path() const { return file_.path(); }
  const std::string& file_name() const { return file_name_; }
  const SafetensorsHeader& header() const { return header_; }
  uint64_t file_size() const { return file_.bytes().size(); }

  std::optional<TensorView> find(std::string_view name) const;
  TensorView view(const TensorInfo& info) const;

 private:
  MappedFile file_;
  std::string file_name_;
  SafetensorsHeader header_;
};

// model.safetensors.index.json: {"metadata": {"total_size": N}, "weight_map": {"tensor name": "shard file
// name"}}.
struct SafetensorsIndex {
  std::optional<uint64_t> total_size;
  std::map<std::string, std::string> weight_map;
  std::vector<std::string> shard_files;  // distinct values of weight_map, sorted
};

// Validates the JSON shape and that every shard name is a plain file name (no directories, no "..").
SafetensorsIndex parse_safetensors_index(std::string_view json_text);

}  // namespace chunkwise::model
