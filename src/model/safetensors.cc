#include "model/safetensors.h"

#include <algorithm>
#include <cstring>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "model/half_float.h"
#include "model/json_fields.h"

namespace chunkwise::model {
namespace {

using nlohmann::json;

const char* json_type_name(const json& value) {
  return value.type_name();
}

// A JSON number that is a non-negative integer, as uint64.
std::optional<uint64_t> as_unsigned(const json& value) {
  if (value.is_number_unsigned()) return value.get<uint64_t>();
  if (value.is_number_integer() && value.get<int64_t>() >= 0)
    return static_cast<uint64_t>(value.get<int64_t>());
  return std::nullopt;
}

std::string offsets_text(uint64_t begin, uint64_t end) {
  return fmt::format("[{}, {}]", begin, end);
}

std::string shape_text(const std::vector<int64_t>& shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

TensorInfo parse_tensor_entry(const std::string& name, const json& entry, uint64_t data_size,
                              uint64_t file_size) {
  TensorInfo info;
  info.name = name;
  if (!entry.is_object()) fail(ErrorKind::invalid_input, "expected an object, got {}", json_type_name(entry));

  const auto dtype_it = entry.find("dtype");
  if (dtype_it == entry.end()) fail(ErrorKind::invalid_input, "missing \"dtype\"");
  if (!dtype_it->is_string()) fail(ErrorKind::invalid_input, "dtype: expected a string");
  const auto dtype = parse_dtype(dtype_it->get_ref<const std::string&>());
  if (!dtype) fail(ErrorKind::invalid_input, "unknown dtype '{}'", dtype_it->get_ref<const std::string&>());
  info.dtype = *dtype;

  const auto shape_it = entry.find("shape");
  if (shape_it == entry.end()) fail(ErrorKind::invalid_input, "missing \"shape\"");
  if (!shape_it->is_array()) fail(ErrorKind::invalid_input, "shape: expected an array");
  uint64_t numel = 1;
  bool numel_overflows = false;
  bool has_zero_dimension = false;
  for (const auto& dim : *shape_it) {
    const auto value = as_unsigned(dim);
    if (!value || *value > static_cast<uint64_t>(INT64_MAX)) {
      fail(ErrorKind::invalid_input, "shape: expected non-negative integers, got {}",
           json_fields::preview(dim));
    }
    info.shape.push_back(static_cast<int64_t>(*value));
    if (__builtin_mul_overflow(numel, *value, &numel)) numel_overflows = true;
    if (*value == 0) has_zero_dimension = true;
  }
  if (has_zero_dimension) {  // the product is 0 whatever overflowed before
    numel = 0;
    numel_overflows = false;
  }

  const auto offsets_it = entry.find("data_offsets");
  if (offsets_it == entry.end()) fail(ErrorKind::invalid_input, "missing \"data_offsets\"");
  if (!offsets_it->is_array() || offsets_it->size() != 2) {
    fail(ErrorKind::invalid_input, "data_offsets: expected [begin, end], got {}",
         json_fields::preview(*offsets_it));
  }
  const auto begin = as_unsigned((*offsets_it)[0]);
  const auto end = as_unsigned((*offsets_it)[1]);
  if (!begin || !end) {
    fail(ErrorKind::invalid_input, "data_offsets: expected non-negative integers, got {}",
         json_fields::preview(*offsets_it));
  }
  info.data_begin = *begin;
  info.data_end = *end;
  if (info.data_end < info.data_begin) {
    fail(ErrorKind::invalid_input, "data_offsets {} end before begin", offsets_text(*begin, *end));
  }
  if (info.data_end > data_size) {
    fail(ErrorKind::invalid_input, "data_offsets {} past end of file (size {}, data region {} bytes)",
         offsets_text(*begin, *end), file_size, data_size);
  }

  const uint64_t bits = static_cast<uint64_t>(bits_per_element(info.dtype));
  uint64_t total_bits = 0;
  const bool bits_overflow = numel_overflows || __builtin_mul_overflow(numel, bits, &total_bits);
  const uint64_t stored = info.data_end - info.data_begin;
  if (bits_overflow || total_bits % 8 != 0 || total_bits / 8 != stored) {
    const std::string needed = bits_overflow         ? std::string("more than 2^64 bits")
                               : total_bits % 8 != 0 ? fmt::format("{} bits, not whole bytes", total_bits)
                                                     : fmt::format("{} bytes", total_bits / 8);
    fail(ErrorKind::invalid_input, "data_offsets {} hold {} bytes but shape {} of {} needs {}",
         offsets_text(*begin, *end), stored, shape_text(info.shape), to_string(info.dtype), needed);
  }
  return info;
}

}  // namespace

uint64_t TensorInfo::numel() const {
  uint64_t count = 1;
  for (int64_t dim : shape) count *= static_cast<uint64_t>(dim);  // validated not to overflow at parse time
  return count;
}

uint64_t TensorView::numel() const {
  uint64_t count = 1;
  for (int64_t dim : shape) count *= static_cast<uint64_t>(dim);
  return count;
}

const TensorInfo* SafetensorsHeader::find(std::string_view name) const {
  const auto it =
      std::lower_bound(tensors.begin(), tensors.end(), name,
                       [](const TensorInfo& info, std::string_view key) { return info.name < key; });
  return it != tensors.end() && it->name == name ? &*it : nullptr;
}

SafetensorsHeader parse_safetensors_header(std::span<const std::byte> file_bytes) {
  const uint64_t file_size = file_bytes.size();
  if (file_size < 8) {
    fail(ErrorKind::invalid_input, "file of {} bytes is too short for the 8-byte header length", file_size);
  }
  uint64_t header_length = 0;
  for (int i = 7; i >= 0; --i) header_length = (header_length << 8) | static_cast<uint8_t>(file_bytes[i]);
  if (header_length > file_size - 8) {
    fail(ErrorKind::invalid_input, "header length {} past end of file (size {})", header_length, file_size);
  }
  if (header_length > kMaxSafetensorsHeaderBytes) {
    fail(ErrorKind::invalid_input, "header length {} exceeds the limit of {} bytes", header_length,
         kMaxSafetensorsHeaderBytes);
  }

  SafetensorsHeader header;
  header.data_offset = 8 + header_length;
  header.data_size = file_size - header.data_offset;

  const auto* text = reinterpret_cast<const char*>(file_bytes.data() + 8);
  json document;
  try {
    document = json::parse(text, text + header_length);
  } catch (const json::exception& e) {
    fail(ErrorKind::invalid_input, "header is not valid JSON: {}", e.what());
  }
  if (!document.is_object()) {
    fail(ErrorKind::invalid_input, "header: expected a JSON object, got {}", json_type_name(document));
  }

  for (const auto& item : document.items()) {
    const std::string& name = item.key();
    const json& entry = item.value();
    if (name == "__metadata__") {
      if (!entry.is_object()) {
        fail(ErrorKind::invalid_input, "__metadata__: expected an object, got {}", json_type_name(entry));
      }
      for (const auto& [key, value] : entry.items()) {
        if (value.is_string()) header.metadata[key] = value.get<std::string>();
      }
      continue;
    }
    header.tensors.push_back(with_context(fmt::format("tensor '{}'", name), [&] {
      return parse_tensor_entry(name, entry, header.data_size, file_size);
    }));
  }
  // nlohmann's object is a sorted map, so tensors are already sorted by name; sort anyway so find() never
  // depends on the JSON library's ordering.
  std::sort(header.tensors.begin(), header.tensors.end(),
            [](const TensorInfo& a, const TensorInfo& b) { return a.name < b.name; });

  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(header.tensors.size());
  for (const auto& info : header.tensors) {
    if (info.data_end > info.data_begin) by_offset.push_back(&info);  // empty tensors occupy no bytes
  }
  std::sort(by_offset.begin(), by_offset.end(), [](const TensorInfo* a, const TensorInfo* b) {
    return a->data_begin != b->data_begin ? a->data_begin < b->data_begin : a->name < b->name;
  });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& previous = *by_offset[i - 1];
    const TensorInfo& current = *by_offset[i];
    if (current.data_begin < previous.data_end) {
      fail(ErrorKind::invalid_input, "tensor '{}': data_offsets {} overlap tensor '{}' at {}", current.name,
           offsets_text(current.data_begin, current.data_end), previous.name,
           offsets_text(previous.data_begin, previous.data_end));
    }
  }
  return header;
}

void copy_to_f32(const TensorView& tensor, std::span<float> out) {
  with_context(fmt::format("{}: tensor '{}'", tensor.file_name, tensor.name),
               [&] { convert_to_f32(tensor.dtype, tensor.bytes, out); });
}

std::vector<float> to_f32(const TensorView& tensor) {
  std::vector<float> out(tensor.numel());
  copy_to_f32(tensor, out);
  return out;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path)
    : file_(path), file_name_(path.filename().string()) {
  header_ = with_context(file_name_, [&] { return parse_safetensors_header(file_.bytes()); });
}

TensorView SafetensorsFile::view(const TensorInfo& info) const {
  return TensorView{
      .name = info.name,
      .dtype = info.dtype,
      .shape = info.shape,
      .bytes = file_.bytes().subspan(header_.data_offset + info.data_begin, info.data_end - info.data_begin),
      .file_name = file_name_,
  };
}

std::optional<TensorView> SafetensorsFile::find(std::string_view name) const {
  const TensorInfo* info = header_.find(name);
  if (info == nullptr) return std::nullopt;
  return view(*info);
}

SafetensorsIndex parse_safetensors_index(std::string_view json_text) {
  json document;
  try {
    document = json::parse(json_text);
  } catch (const json::exception& e) {
    fail(ErrorKind::invalid_input, "not valid JSON: {}", e.what());
  }
  if (!document.is_object())
    fail(ErrorKind::invalid_input, "expected a JSON object, got {}", document.type_name());

  SafetensorsIndex index;
  if (const auto metadata = document.find("metadata"); metadata != document.end() && !metadata->is_null()) {
    if (!metadata->is_object()) fail(ErrorKind::invalid_input, "metadata: expected an object");
    if (const auto total = metadata->find("total_size"); total != metadata->end() && !total->is_null()) {
      // Some writers store it as a float (e.g. 1.0e9); accept integral values either way.
      if (const auto value = as_unsigned(*total)) {
        index.total_size = *value;
      } else if (total->is_number_float() && total->get<double>() >= 0 && total->get<double>() < 1.8e19) {
        index.total_size = static_cast<uint64_t>(total->get<double>());
      } else {
        fail(ErrorKind::invalid_input, "metadata.total_size: expected a non-negative integer, got {}",
             json_fields::preview(*total));
      }
    }
  }
  const auto weight_map = document.find("weight_map");
  if (weight_map == document.end()) fail(ErrorKind::invalid_input, "missing \"weight_map\"");
  if (!weight_map->is_object()) fail(ErrorKind::invalid_input, "weight_map: expected an object");
  for (const auto& [name, file] : weight_map->items()) {
    if (!file.is_string()) fail(ErrorKind::invalid_input, "weight_map.{}: expected a file name string", name);
    const auto& file_name = file.get_ref<const std::string&>();
    if (file_name.empty() || file_name == "." || file_name == ".." ||
        file_name.find_first_of(std::string_view("/\\\0", 3)) != std::string::npos) {
      fail(ErrorKind::invalid_input, "weight_map.{}: '{}' is not a file name in the model directory", name,
           file_name);
    }
    index.weight_map.emplace(name, file_name);
    index.shard_files.push_back(file_name);
  }
  std::sort(index.shard_files.begin(), index.shard_files.end());
  index.shard_files.erase(std::unique(index.shard_files.begin(), index.shard_files.end()),
                          index.shard_files.end());
  return index;
}

}  // namespace chunkwise::model
