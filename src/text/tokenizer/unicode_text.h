// UTF-8 and Unicode property helpers shared by the tokenizer components. Properties follow what Rust's `char`
// methods and `regex` crate use, because that is what Hugging Face `tokenizers` is written against.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace chunkwise::text {

// Length in bytes of the UTF-8 sequence that starts with `lead` (1 for continuation/invalid bytes).
inline size_t utf8_sequence_length(unsigned char lead) {
  if (lead < 0x80) return 1;
  if (lead < 0xE0) return lead < 0xC0 ? 1 : 2;
  if (lead < 0xF0) return 3;
  return 4;
}

// Decodes the code point at text[pos] of valid UTF-8 and moves pos past it.
char32_t next_code_point(std::string_view text, size_t& pos);
void append_utf8(std::string& out, char32_t code_point);

// Replaces each maximal invalid subsequence by U+FFFD, exactly like Python's bytes.decode("utf-8", "replace")
// and Rust's String::from_utf8_lossy. Returns false (and leaves `out` untouched) when `text` is already
// valid.
bool replace_invalid_utf8(std::string_view text, std::string& out);
bool is_valid_utf8(std::string_view text);
// Length of the valid UTF-8 sequence that starts at text[pos] (1 to 4), or 0 if none does.
size_t valid_utf8_sequence_length(std::string_view text, size_t pos);
bool is_ascii(std::string_view text);  // no byte above 0x7F

bool is_whitespace(char32_t c);   // Rust char::is_whitespace (Unicode White_Space)
bool is_numeric(char32_t c);      // Rust char::is_numeric (Nd, Nl, No)
bool is_punctuation(char32_t c);  // ASCII punctuation or any Unicode P* category
bool is_mark(char32_t c);         // Mn, Mc, Me
bool is_word_char(char32_t c);    // regex \w: letters, marks, Nd, Pc, joiners

}  // namespace chunkwise::text
