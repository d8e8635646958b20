// What a model's outputs depend on, as a short hex string, not where the model lies: 64-bit FNV-1a over
// config.json, tokenizer.json, tokenizer_config.json, 1_Pooling/config.json and sentence_bert_config.json
// (those that exist), and each *.safetensors file's name, size, JSON header and 16 samples of 4 KiB spread
// over its data. Moving a directory keeps its fingerprint; retraining in place (new weights, same shapes)
// changes it. Callers add the settings their outputs also depend on (pooling, ...) before taking hex().
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace chunkwise::model {

class FingerprintHash {
 public:
  void add(std::string_view bytes);
  // `name`, the length of `bytes` and `bytes`, so that fields never run into each other.
  void add_field(std::string_view name, std::string_view bytes);
  std::string hex() const;  // 16 hex digits

 private:
  uint64_t hash_ = 0xcbf29ce484222325ull;
};

// Adds the directory's files as described above. Error(io) for a weights file that cannot be read.
void add_checkpoint_contents(FingerprintHash& hash, const std::filesystem::path& dir);

// The fingerprint of the directory's files alone.
std::string checkpoint_fingerprint(const std::filesystem::path& dir);

}  // namespace chunkwise::model
