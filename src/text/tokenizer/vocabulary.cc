#include "text/tokenizer/vocabulary.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace chunkwise::text {

Vocabulary Vocabulary::from_json(const nlohmann::json& vocab) {
  if (!vocab.is_object())
    fail(ErrorKind::invalid_input, "vocab: expected an object, got {}", vocab.type_name());
  std::vector<std::pair<std::string, TokenId>> entries;
  entries.reserve(vocab.size());
  for (const auto& [token, id] : vocab.items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      fail(ErrorKind::invalid_input, "vocab[\"{}\"]: expected a non-negative integer id", token);
    entries.emplace_back(token, static_cast<TokenId>(id.get<int64_t>()));
  }
  return from_entries(entries);
}

Vocabulary Vocabulary::from_entries(std::vector<std::pair<std::string, TokenId>>& entries) {
  Vocabulary v;
  v.ids_.reserve(entries.size());
  for (size_t i = entries.size(); i-- > 0;) v.ids_.insert(entries[i].first, entries[i].second);  // last wins
  std::vector<std::pair<TokenId, uint32_t>> by_id;  // (id, entry index)
  by_id.reserve(entries.size());
  for (size_t i = 0; i < entries.size(); ++i)
    if (v.ids_.find(entries[i].first) == entries[i].second) by_id.emplace_back(entries[i].second, i);
  std::sort(by_id.begin(), by_id.end());
  const size_t limit = by_id.empty() ? 0 : static_cast<size_t>(by_id.back().first) + 1;
  // The reverse table is dense in ids: a hostile tokenizer.json with one id of 777,777,193 would need
  // gigabytes. Real vocabularies stay far below 2^24 ids (the largest have ~260k).
  if (limit > kMaxVocabularyIds)
    fail(ErrorKind::invalid_input, "vocab: token id {} is above the supported maximum {}", by_id.back().first,
         kMaxVocabularyIds - 1);
  v.present_.assign(limit, false);
  v.offsets_.reserve(limit + 1);
  size_t next = 0;
  for (const auto& [id, index] : by_id) {
    if (v.present_[id]) continue;  // two tokens with one id: the first listed is the reverse mapping
    while (next <= static_cast<size_t>(id)) {
      v.offsets_.push_back(static_cast<uint32_t>(v.tokens_.size()));
      ++next;
    }
    v.tokens_.append(entries[index].first);
    v.present_[id] = true;
  }
  v.offsets_.push_back(static_cast<uint32_t>(v.tokens_.size()));
  return v;
}

}  // namespace chunkwise::text
