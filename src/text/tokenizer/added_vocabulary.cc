#include "text/tokenizer/added_vocabulary.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

char32_t last_code_point(std::string_view text) {
  size_t start = text.size() - 1;
  while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
  return next_code_point(text, start);
}

// Start of the run of whitespace that ends `text`.
size_t trailing_space_start(std::string_view text) {
  size_t end = text.size();
  while (end > 0) {
    size_t start = end - 1;
    while (start > 0 && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    if (!is_whitespace(next_code_point(text, pos))) break;
    end = start;
  }
  return end;
}

size_t leading_space_length(std::string_view text) {
  size_t pos = 0;
  while (pos < text.size()) {
    size_t next = pos;
    if (!is_whitespace(next_code_point(text, next))) break;
    pos = next;
  }
  return pos;
}

}  // namespace

std::vector<AddedToken> AddedVocabulary::parse(const nlohmann::json& list) {
  if (list.is_null()) return {};
  if (!list.is_array()) fail(ErrorKind::invalid_input, "expected an array");
  std::vector<AddedToken> tokens;
  for (size_t i = 0; i < list.size(); ++i) {
    with_context(fmt::format("[{}]", i), [&] {
      const auto& item = list[i];
      AddedToken token;
      token.content = string_field(item, "content");
      const int64_t id = int_field(item, "id", -1);
      if (id < 0 || id > INT32_MAX) fail(ErrorKind::invalid_input, "id: expected a non-negative integer");
      token.id = static_cast<TokenId>(id);
      token.single_word = bool_field(item, "single_word", false);
      token.lstrip = bool_field(item, "lstrip", false);
      token.rstrip = bool_field(item, "rstrip", false);
      token.special = bool_field(item, "special", false);
      token.normalized = bool_field(item, "normalized", !token.special);
      tokens.push_back(std::move(token));
    });
  }
  return tokens;
}

AddedVocabulary::AddedVocabulary(std::vector<AddedToken> tokens, const Normalizer* normalizer)
    : tokens_(std::move(tokens)) {
  for (size_t i = 0; i < tokens_.size(); ++i) {
    AddedToken& token = tokens_[i];
    if (token.content.empty()) continue;
    by_content_[token.content] = token.id;
    by_id_[token.id] = i;
    std::string pattern = token.content;
    if (token.normalized && normalizer != nullptr) normalizer->normalize(pattern);
    tokens_[i].normalized_content = pattern;
    if (pattern.empty()) continue;
    (token.normalized ? normalized_ : raw_).patterns.push_back({std::move(pattern), i});
  }
  build(raw_);
  build(normalized_);
}

void AddedVocabulary::build(MatchSet& set) {
  std::stable_sort(set.patterns.begin(), set.patterns.end(),
                   [](const Pattern& a, const Pattern& b) { return a.text.size() > b.text.size(); });
  for (size_t i = 0; i < set.patterns.size(); ++i)
    set.by_first_byte[static_cast<unsigned char>(set.patterns[i].text[0])].push_back(
        static_cast<uint32_t>(i));
}

void AddedVocabulary::split(std::string_view text, bool normalized,
                            std::vector<TextSegment>& segments) const {
  split_with(text, normalized ? normalized_ : raw_, segments);
}

void AddedVocabulary::split_with(std::string_view text, const MatchSet& set,
                                 std::vector<TextSegment>& segments) const {
  segments.clear();
  const size_t n = text.size();
  size_t start_offset = 0;  // end of the last segment
  size_t pos = 0;           // where the next leftmost-longest search starts
  while (pos < n && !set.patterns.empty()) {
    // Leftmost position with a match; the longest pattern there.
    size_t match_start = n, match_end = n;
    const Pattern* pattern = nullptr;
    for (size_t p = pos; p < n && pattern == nullptr; ++p) {
      for (uint32_t index : set.by_first_byte[static_cast<unsigned char>(text[p])]) {
        const Pattern& candidate = set.patterns[index];
        if (text.compare(p, candidate.text.size(), candidate.text) == 0) {
          pattern = &candidate;
          match_start = p;
          match_end = p + candidate.text.size();
          break;
        }
      }
    }
    if (pattern == nullptr) break;
    pos = match_end;
    const AddedToken& token = tokens_[pattern->token];
    size_t start = match_start, stop = match_end;
    if (token.single_word) {
      const bool start_space = start == 0 || !is_word_char(last_code_point(text.substr(0, start)));
      size_t next = stop;
      const bool stop_space = stop == n || !is_word_char(next_code_point(text, next));
      if (!start_space || !stop_space) continue;
    }
    if (token.lstrip) start = std::max(trailing_space_start(text.substr(0, start)), start_offset);
    if (token.rstrip) stop += leading_space_length(text.substr(stop));
    if (start_offset < start)
      segments.push_back({static_cast<uint32_t>(start_offset), static_cast<uint32_t>(start), -1});
    segments.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(stop), token.id});
    start_offset = stop;
  }
  if (start_offset < n)
    segments.push_back({static_cast<uint32_t>(start_offset), static_cast<uint32_t>(n), -1});
}

std::optional<TokenId> AddedVocabulary::token_to_id(std::string_view content) const {
  const auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return std::nullopt;
  return it->second;
}

const AddedToken* AddedVocabulary::find(TokenId id) const {
  const auto it = by_id_.find(id);
  return it == by_id_.end() ? nullptr : &tokens_[it->second];
}

bool AddedVocabulary::is_special_content(std::string_view content) const {
  const auto it = by_content_.find(std::string(content));
  if (it == by_content_.end()) return false;
  const AddedToken* token = find(it->second);
  return token != nullptr && token->special && token->content == content;
}

}  // namespace chunkwise::text
