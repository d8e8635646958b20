// Python semantics of the binary operators (+ - * / // % ** ~ in) and unary minus.
#pragma once

#include <string_view>

#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

class Interpreter;

// `op` is one of + - * / // % ** ~ in; sizes of results are checked against the interpreter's limits.
Value binary_operator(Interpreter& interp, std::string_view op, const Value& a, const Value& b);
Value negate(const Value& v);
// `needle in haystack`: substring, list item or dict key.
bool contains(const Value& haystack, const Value& needle);

}  // namespace chunkwise::text::jinja
