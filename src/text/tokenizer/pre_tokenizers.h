// Pre-tokenizer components (one per file) and the splitting rules they share.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <span>
#include <string_view>

#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/components.h"
#include "text/tokenizer/regex_pattern.h"

namespace chunkwise::text {

// What happens to the matched parts ("delimiters") when a piece is split.
enum class SplitBehavior { removed, isolated, merged_with_previous, merged_with_next, contiguous };
SplitBehavior parse_split_behavior(const nlohmann::json& value);

// Splits `piece` at `matches` (sorted, non-overlapping) as Hugging Face's NormalizedString::split does and
// adds the non-empty parts to `out`. With `invert`, the parts between matches are the delimiters.
void add_split_pieces(std::string_view piece, std::span<const MatchSpan> matches, bool invert,
                      SplitBehavior behavior, PieceList& out);

// Every character of `piece` for which `is_delimiter` holds, as one match each.
template <typename Predicate>
void find_char_matches(std::string_view piece, Predicate is_delimiter, std::vector<MatchSpan>& matches);

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const nlohmann::json& spec, ByteLevelMode mode);
std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer();
std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_char_delimiter_pre_tokenizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(const nlohmann::json& spec, ByteLevelMode mode);

}  // namespace chunkwise::text

#include "text/tokenizer/unicode_text.h"

template <typename Predicate>
void chunkwise::text::find_char_matches(std::string_view piece, Predicate is_delimiter,
                                        std::vector<MatchSpan>& matches) {
  matches.clear();
  size_t pos = 0;
  while (pos < piece.size()) {
    const size_t start = pos;
    const char32_t c = next_code_point(piece, pos);
    if (is_delimiter(c)) matches.push_back({static_cast<uint32_t>(start), static_cast<uint32_t>(pos)});
  }
}
