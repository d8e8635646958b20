#include "text/tokenizer/text_pattern.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace chunkwise::text {

TextPattern TextPattern::literal(std::string text) {
  TextPattern pattern;
  pattern.literal_ = std::move(text);
  return pattern;
}

TextPattern TextPattern::from_json(const nlohmann::json& spec) {
  if (!spec.is_object() || spec.size() != 1)
    fail(ErrorKind::invalid_input, "pattern: expected {{\"String\": ...}} or {{\"Regex\": ...}}");
  // (A structured binding to *spec.items().begin() would dangle: the items() proxy is a temporary.)
  const std::string kind = spec.begin().key();
  const nlohmann::json& value = spec.begin().value();
  if (!value.is_string()) fail(ErrorKind::invalid_input, "pattern.{}: expected a string", kind);
  if (kind == "String") return literal(value.get<std::string>());
  if (kind == "Regex") {
    TextPattern pattern;
    pattern.regex_ = std::make_shared<const RegexPattern>(value.get<std::string>());
    return pattern;
  }
  fail(ErrorKind::unsupported, "pattern: unsupported pattern kind '{}'", kind);
}

void TextPattern::find_all(std::string_view text, std::vector<MatchSpan>& matches) const {
  if (regex_) {
    regex_->find_all(text, matches);
    return;
  }
  matches.clear();
  if (literal_.empty()) return;
  size_t pos = 0;
  while ((pos = text.find(literal_, pos)) != std::string_view::npos) {
    matches.push_back({static_cast<uint32_t>(pos), static_cast<uint32_t>(pos + literal_.size())});
    pos += literal_.size();
  }
}

void TextPattern::replace_all(std::string_view text, std::string_view content, std::string& out) const {
  thread_local std::vector<MatchSpan> matches;
  find_all(text, matches);
  out.clear();
  size_t last = 0;
  for (const MatchSpan& m : matches) {
    out.append(text.substr(last, m.start - last));
    out.append(content);
    last = m.end;
  }
  out.append(text.substr(last));
}

}  // namespace chunkwise::text
