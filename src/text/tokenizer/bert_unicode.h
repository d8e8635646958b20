// Character classes of the BERT components, defined as Hugging Face `tokenizers` defines them. UTF-8 decoding
// and whitespace are the shared ones of unicode_text.h.
#pragma once

#include <cstdint>

namespace chunkwise::text::bert {

// clean_text's "control": Cc, Cf or Co in the Unicode version of Hugging Face's tables (unassigned code
// points are kept), except \t \n \r (which count as whitespace).
bool is_control(char32_t c);
// The CJK ideograph blocks BertNormalizer surrounds with spaces.
bool is_chinese_char(char32_t c);
// BertPreTokenizer's punctuation: ASCII punctuation (which includes $ + < = > ^ ` | ~) or P* in the Unicode
// version of Hugging Face's tables.
bool is_punctuation(char32_t c);
// strip_accents: a nonspacing mark (Mn) in the Unicode version of Hugging Face's tables.
bool is_nonspacing_mark(char32_t c);
// Rust's char::to_lowercase, except U+0130 (which lowercases to two characters; callers handle it).
char32_t to_lowercase(char32_t c);

}  // namespace chunkwise::text::bert
