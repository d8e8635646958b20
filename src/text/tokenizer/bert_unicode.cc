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

char32_t next_code_point(std::string_view text, size_t& pos) {
  const auto byte = [&](size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(pos);
  if (lead < 0x80) {
    ++pos;
    return lead;
  }
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  if (pos + length > text.size()) length = text.size() - pos;  // only on invalid input; keeps reads in bounds
  char32_t c = lead & (length == 4 ? 0x07 : length == 3 ? 0x0F : 0x1F);
  for (size_t i = 1; i < length; ++i) c = (c << 6) | (byte(pos + i) & 0x3F);
  pos += length;
  return c;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool is_whitespace(char32_t c) {
  switch (c) {
    case 0x09:
    case 0x0A:
    case 0x0B:
    case 0x0C:
    case 0x0D:
    case 0x20:
    case 0x85:
    case 0xA0:
    case 0x1680:
    case 0x2028:
    case 0x2029:
    case 0x202F:
    case 0x205F:
    case 0x3000:
      return true;
    default:
      return c >= 0x2000 && c <= 0x200A;
  }
}

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
