// Splits template source into text and tag tokens, applying whitespace control: `-` on tag delimiters,
// trim_blocks (drop the first newline after a block or comment tag) and lstrip_blocks (drop spaces and tabs
// before a block or comment tag at the start of a line).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "text/jinja/location.h"

namespace chunkwise::text::jinja {

enum class TokenKind {
  text,        // literal output between tags
  expr_open,   // {{
  expr_close,  // }}
  stmt_open,   // {%
  stmt_close,  // %}
  name,        // identifier or keyword
  string,      // string literal, escapes resolved
  integer,
  floating,
  op,   // operator or punctuation: + - * / // % ** ~ == != < <= > >= = ( ) [ ] { } , . : |
  end,  // end of input
};

struct Token {
  TokenKind kind;
  std::string text;  // text, name, string value or operator
  std::int64_t int_value = 0;
  double float_value = 0;
  Location location;
};

struct LexerOptions {
  bool trim_blocks = false;
  bool lstrip_blocks = false;
};

// Throws chunkwise::Error (invalid_input) with the line and column of malformed input.
std::vector<Token> tokenize(std::string_view source, const LexerOptions& options);

}  // namespace chunkwise::text::jinja
