// The "added_tokens" of tokenizer.json: tokens matched in the text before normalization and pre-tokenization,
// following Hugging Face's AddedVocabulary (leftmost-longest matching; single_word, lstrip, rstrip; tokens
// with normalized=false are found in the raw text, the others in the normalized text).
#pragma once

#include <array>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

struct AddedToken {
  std::string content;
  TokenId id = -1;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
  // The content as the normalizer leaves it (normalized tokens only, else the content): what Hugging Face
  // returns for the id when decoding.
  std::string normalized_content;
};

// A part of the text: an added token (id >= 0) or text to encode (id < 0).
struct TextSegment {
  uint32_t start;
  uint32_t end;
  TokenId id;
};

class AddedVocabulary {
 public:
  AddedVocabulary() = default;
  // `normalizer` (may be null) normalizes the patterns of normalized tokens.
  AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer);
  static std::vector<AddedToken> parse(const nlohmann::json& added_tokens);

  bool empty() const { return tokens_.empty(); }
  bool has_normalized() const { return !normalized_.patterns.empty(); }
  // Splits `text` around the raw-text tokens (normalized = false) or the normalized-text ones.
  void split(std::string_view text, bool normalized, std::vector<TextSegment>& segments) const;

  std::optional<TokenId> token_to_id(std::string_view content) const;
  const AddedToken* find(TokenId id) const;
  bool is_special_content(std::string_view content) const;
  const std::vector<AddedToken>& tokens() const { return tokens_; }

 private:
  struct Pattern {
    std::string text;
    size_t token;  // index into tokens_
  };
  struct MatchSet {
    std::vector<Pattern> patterns;                         // longest first
    std::array<std::vector<uint32_t>, 256> by_first_byte;  // pattern indices, longest first
  };
  static void build(MatchSet& set);
  void split_with(std::string_view text, const MatchSet& set, std::vector<TextSegment>& segments) const;

  std::vector<AddedToken> tokens_;
  std::unordered_map<std::string, TokenId> by_content_;
  std::unordered_map<TokenId, size_t> by_id_;
  MatchSet raw_;
  MatchSet normalized_;
};

}  // namespace chunkwise::text
