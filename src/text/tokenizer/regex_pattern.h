// A PCRE2 regular expression (UTF + UCP, JIT-compiled) standing in for the Oniguruma / Rust regexes of
// tokenizer.json. Matching is thread-safe: each thread reuses its own match data.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chunkwise::text {

struct MatchSpan {
  uint32_t start;
  uint32_t end;
};

class RegexPattern {
 public:
  explicit RegexPattern(const std::string& pattern);
  RegexPattern(RegexPattern&& other) noexcept;
  RegexPattern& operator=(RegexPattern&&) = delete;
  RegexPattern(const RegexPattern&) = delete;
  ~RegexPattern();

  // All non-overlapping matches in valid UTF-8 `text`, left to right (an empty match advances one character).
  void find_all(std::string_view text, std::vector<MatchSpan>& matches) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  void* code_ = nullptr;  // pcre2_code_8
};

}  // namespace chunkwise::text
