// Character classes of the BERT components, defined as Hugging Face `tokenizers` defines them, and the small
// UTF-8 helpers the BERT components share. Input is valid UTF-8 (the tokenizer replaces invalid bytes before
// encoding).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace chunkwise::text::bert {

// Decodes the code point starting at text[pos] and advances pos past it. `text` must be valid UTF-8.
char32_t next_code_point(std::string_view text, size_t& pos);
void append_utf8(std::string& out, char32_t c);

// Rust's char::is_whitespace (Unicode White_Space).
bool is_whitespace(char32_t c);
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
