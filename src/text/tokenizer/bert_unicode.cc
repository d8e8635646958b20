#include "text/tokenizer/bert_unicode.h"

#include <algorithm>

#include "text/tokenizer/bert_char_tables.h"

namespace chunkwise::text::bert {
namespace {

bool in_ranges(char32_t c, const CodePointRange* ranges, size_t count) {
  const CodePointRange* end = ranges + count;
  // The first range that ends at or after c.
  const CodePointRange* it = std::lower_bound(
      ranges, end, c, [](const CodePointRange& range, char32_t value) { return range.last < value; });
  return it != end && it->first <= c;
}

}  // namespace

bool is_control(char32_t c) {
  if (c < 0x80) return (c < 0x20 && c != '\t' && c != '\n' && c != '\r') || c == 0x7F;
  return in_ranges(c, kControlRanges, kControlRangeCount);
}

bool is_chinese_char(char32_t c) {
  return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x20000 && c <= 0x2A6DF) ||
         (c >= 0x2A700 && c <= 0x2B73F) || (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
         (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

bool is_punctuation(char32_t c) {
  if (c < 0x80)
    return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) || (c >= 123 && c <= 126);
  return in_ranges(c, kPunctuationRanges, kPunctuationRangeCount);
}

bool is_nonspacing_mark(char32_t c) {
  return c >= 0x300 && in_ranges(c, kNonspacingMarkRanges, kNonspacingMarkRangeCount);
}

char32_t to_lowercase(char32_t c) {
  if (c < 0x80) return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  const LowercasePair* end = kLowercasePairs + kLowercasePairCount;
  const LowercasePair* it = std::lower_bound(
      kLowercasePairs, end, c, [](const LowercasePair& pair, char32_t value) { return pair.upper < value; });
  return it != end && it->upper == c ? it->lower : c;
}

}  // namespace chunkwise::text::bert
