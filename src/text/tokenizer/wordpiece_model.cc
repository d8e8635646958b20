// WordPiece: greedy longest-match-first. A word is cut into the longest vocabulary token that starts it, then
// the longest "##"-prefixed token that continues it, and so on; a word that cannot be cut completely, or that
// is longer than max_input_chars_per_word characters, becomes the single unk_token.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>

#include "common/error.h"
#include "text/tokenizer/bert.h"

namespace chunkwise::text {
namespace {

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view text) const { return std::hash<std::string_view>{}(text); }
};
using TokenMap = std::unordered_map<std::string, TokenId, StringHash, std::equal_to<>>;

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t count_chars(std::string_view text) {
  return static_cast<size_t>(
      std::count_if(text.begin(), text.end(), [](char c) { return !is_continuation_byte(c); }));
}

struct WordPieceOptions {
  std::string unk_token = "[UNK]";
  std::string continuing_subword_prefix = "##";
  size_t max_input_chars_per_word = 100;
};

class WordPieceModel final : public Model {
 public:
  WordPieceModel(TokenMap vocab, WordPieceOptions options)
      : vocab_(std::move(vocab)), options_(std::move(options)) {
    for (const auto& [token, id] : vocab_) {
      id_to_token_.emplace(id, token);
      max_start_bytes_ = std::max(max_start_bytes_, token.size());
      if (token.starts_with(options_.continuing_subword_prefix)) {
        std::string rest = token.substr(options_.continuing_subword_prefix.size());
        max_continuation_bytes_ = std::max(max_continuation_bytes_, rest.size());
        continuation_.emplace(std::move(rest), id);
      }
    }
    if (const auto it = vocab_.find(options_.unk_token); it != vocab_.end()) unk_id_ = it->second;
  }

  void encode_piece(std::string_view word, std::vector<TokenId>& ids) const override {
    if (count_chars(word) > options_.max_input_chars_per_word) {
      ids.push_back(unk_id());
      return;
    }
    const size_t first_id = ids.size();
    for (size_t start = 0; start < word.size();) {
      const TokenMap& map = start == 0 ? vocab_ : continuation_;
      size_t end = std::min(word.size(), start + (start == 0 ? max_start_bytes_ : max_continuation_bytes_));
      while (end > start && end < word.size() && is_continuation_byte(word[end])) --end;
      bool found = false;
      for (; end > start; --end) {
        if (end < word.size() && is_continuation_byte(word[end])) continue;
        if (const auto it = map.find(word.substr(start, end - start)); it != map.end()) {
          ids.push_back(it->second);
          found = true;
          break;
        }
      }
      if (!found) {
        ids.resize(first_id);
        ids.push_back(unk_id());
        return;
      }
      start = end;
    }
  }

  std::optional<TokenId> token_to_id(std::string_view token) const override {
    if (const auto it = vocab_.find(token); it != vocab_.end()) return it->second;
    return std::nullopt;
  }
  std::optional<std::string_view> id_to_token(TokenId id) const override {
    if (const auto it = id_to_token_.find(id); it != id_to_token_.end()) return std::string_view(it->second);
    return std::nullopt;
  }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  TokenId unk_id() const {
    if (!unk_id_)
      fail(ErrorKind::invalid_input, "WordPiece: unk_token '{}' is not in the vocabulary",
           options_.unk_token);
    return *unk_id_;
  }

  TokenMap vocab_;         // every token, for the start of a word
  TokenMap continuation_;  // tokens that carry the prefix, without it, for the rest of a word
  std::unordered_map<TokenId, std::string> id_to_token_;
  WordPieceOptions options_;
  std::optional<TokenId> unk_id_;
  size_t max_start_bytes_ = 0;
  size_t max_continuation_bytes_ = 0;
};

}  // namespace

std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json& spec) {
  if (!spec.is_object()) fail(ErrorKind::invalid_input, "WordPiece: expected an object");
  WordPieceOptions options;
  if (const auto it = spec.find("unk_token"); it != spec.end() && !it->is_null()) {
    if (!it->is_string()) fail(ErrorKind::invalid_input, "WordPiece: unk_token: expected a string");
    options.unk_token = it->get<std::string>();
  }
  if (const auto it = spec.find("continuing_subword_prefix"); it != spec.end() && !it->is_null()) {
    if (!it->is_string())
      fail(ErrorKind::invalid_input, "WordPiece: continuing_subword_prefix: expected a string");
    options.continuing_subword_prefix = it->get<std::string>();
  }
  if (const auto it = spec.find("max_input_chars_per_word"); it != spec.end() && !it->is_null()) {
    if (!it->is_number_integer() || it->get<int64_t>() < 0)
      fail(ErrorKind::invalid_input, "WordPiece: max_input_chars_per_word: expected a non-negative integer");
    options.max_input_chars_per_word = static_cast<size_t>(it->get<int64_t>());
  }
  const auto vocab_json = spec.find("vocab");
  if (vocab_json == spec.end() || !vocab_json->is_object())
    fail(ErrorKind::invalid_input, "WordPiece: vocab: expected an object");
  TokenMap vocab;
  vocab.reserve(vocab_json->size());
  for (const auto& [token, id] : vocab_json->items()) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<int64_t>() > INT32_MAX)
      fail(ErrorKind::invalid_input, "WordPiece: vocab: id of '{}': expected an integer in [0, 2^31)", token);
    vocab.emplace(token, static_cast<TokenId>(id.get<int64_t>()));
  }
  return std::make_unique<WordPieceModel>(std::move(vocab), std::move(options));
}

}  // namespace chunkwise::text
