// A model vocabulary: token string <-> id, read from tokenizer.json's "vocab" object.
#pragma once

#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer/string_id_table.h"

namespace chunkwise::text {

// Token ids must be below this (the id -> token table is dense).
inline constexpr size_t kMaxVocabularyIds = size_t(1) << 24;

class Vocabulary {
 public:
  static Vocabulary from_json(const nlohmann::json& vocab);  // {"token": id, ...}
  // (token, id) pairs; a token listed twice keeps its last id, as a JSON object would.
  static Vocabulary from_entries(std::vector<std::pair<std::string, TokenId>>& entries);

  TokenId find(std::string_view token) const { return ids_.find(token); }
  std::optional<std::string_view> token(TokenId id) const {
    if (id < 0 || static_cast<size_t>(id) + 1 >= offsets_.size() || !present_[id]) return std::nullopt;
    return std::string_view(tokens_).substr(offsets_[id], offsets_[id + 1] - offsets_[id]);
  }
  size_t size() const { return ids_.size(); }
  // One past the largest id.
  size_t id_limit() const { return present_.size(); }

 private:
  StringIdTable ids_;
  std::string tokens_;             // token strings by id, back to back
  std::vector<uint32_t> offsets_;  // id -> start in tokens_, plus the end
  std::vector<bool> present_;
};

}  // namespace chunkwise::text
