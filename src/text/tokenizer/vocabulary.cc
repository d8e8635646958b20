#include "text/tokenizer/vocabulary.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace chunkwise::text {

Vocabulary Vocabulary::from_json(const nlohmann::json& vocab) {
  if (!vocab.is_object())
    fail(ErrorKind::invalid_input, "vocab: expected an object, got {}", vocab.type_name());
  Vocabulary v;
  std::vector<std::pair<TokenId, const std::string*>> by_id;
  by_id.reserve(vocab.size());
  int64_t max_id = -1;
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      fail(ErrorKind::invalid_input, "vocab[\"{}\"]: expected a non-negative integer id", token);
    by_id.emplace_back(static_cast<TokenId>(id.get<int64_t>()), &token);
    max_id = std::max<int64_t>(max_id, id.get<int64_t>());
  }
  std::sort(by_id.begin(), by_id.end());
  v.ids_.reserve(by_id.size());
  v.present_.assign(static_cast<size_t>(max_id + 1), false);
  v.offsets_.reserve(static_cast<size_t>(max_id + 2));
  size_t next = 0;
  for (const auto& [id, token] : by_id) {
    v.ids_.insert(*token, id);
    if (v.present_[id]) continue;  // two tokens with one id: the first in id order is the reverse mapping
    while (next <= static_cast<size_t>(id)) {
      v.offsets_.push_back(static_cast<uint32_t>(v.tokens_.size()));
      ++next;
    }
    v.tokens_.append(*token);
    v.present_[id] = true;
  }
  v.offsets_.push_back(static_cast<uint32_t>(v.tokens_.size()));
  return v;
}

}  // namespace chunkwise::text
