// The tokens a sequence has seen, in the form the penalties need: every distinct token of the prompt and of
// the generated text, with how often it occurs in the generated text. Updated one token at a time, so a
// penalty step costs the number of distinct tokens, not the sequence length.
#pragma once

#include <cstdint>
#include <span>
#include <unordered_map>

namespace chunkwise::generate {

class TokenHistory {
 public:
  TokenHistory() = default;
  explicit TokenHistory(std::span<const int32_t> prompt);

  void add_generated(int32_t token);

  // token → occurrences among the generated tokens (0 for a token seen only in the prompt).
  const std::unordered_map<int32_t, int32_t>& tokens() const { return tokens_; }
  int64_t generated_count() const { return generated_count_; }

 private:
  std::unordered_map<int32_t, int32_t> tokens_;
  int64_t generated_count_ = 0;
};

}  // namespace chunkwise::generate
