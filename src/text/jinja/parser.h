// Builds the syntax tree from tokens. Nesting (of expressions and of blocks) is limited so that hostile
// templates cannot exhaust the stack.
#pragma once

#include <vector>

#include "text/jinja/ast.h"
#include "text/jinja/lexer.h"

namespace chunkwise::text::jinja {

inline constexpr int kMaxParseDepth = 100;

// Throws chunkwise::Error (invalid_input) with the line and column of the offending token.
Program parse(const std::vector<Token>& tokens);

}  // namespace chunkwise::text::jinja
