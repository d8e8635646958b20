// The {"String": ...} or {"Regex": ...} pattern object of Split, Replace (normalizer and decoder).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer/regex_pattern.h"

namespace chunkwise::text {

class TextPattern {
 public:
  static TextPattern literal(std::string text);
  static TextPattern from_json(const nlohmann::json& pattern);  // the value of "pattern"

  // Non-overlapping matches, left to right.
  void find_all(std::string_view text, std::vector<MatchSpan>& matches) const;
  // `text` with every match replaced by `content`.
  void replace_all(std::string_view text, std::string_view content, std::string& out) const;

 private:
  std::string literal_;
  std::shared_ptr<const RegexPattern> regex_;
};

}  // namespace chunkwise::text
