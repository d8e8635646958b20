// Python semantics for values: str(), repr(), json.dumps(), ==, ordering, len() and iteration.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

// Containers nested deeper than this cannot be printed, compared or serialized.
inline constexpr int kMaxValueDepth = 128;

// What visiting or copying a value costs in work units: one, plus one per 16 bytes of a string.
std::uint64_t visit_cost(const Value& v);

// Python str(): None, True, 1.5, 'text' inside containers but bare at the top level.
std::string to_string(const Value& v);
// Python repr(): strings quoted.
std::string repr(const Value& v);
// Python repr() of a float: shortest round-trip digits, "1.0", "1e+16", "inf", "nan".
std::string format_float(double d);

struct JsonOptions {
  std::optional<int> indent;  // pretty-print with this many spaces per level
  bool sort_keys = false;
  bool ensure_ascii = false;                                      // escape non-ASCII characters as \uXXXX
  std::optional<std::pair<std::string, std::string>> separators;  // item and key separators
};
// Python json.dumps(v, ...) with transformers' tojson defaults (ensure_ascii=False).
std::string to_json(const Value& v, const JsonOptions& options = {});

// Python ==: 1 == 1.0 == True; containers compare element-wise.
bool equals(const Value& a, const Value& b);
// Python <: numbers with numbers, strings with strings, lists element-wise. Throws for other pairs.
bool less(const Value& a, const Value& b);

// len(): strings count code points. Throws for values without a length.
std::size_t length(const Value& v);

// What a for loop visits: list items, dict keys, string characters (code points); undefined is empty.
List iterate(const Value& v);

// Python jinja2's Undefined for a missing attribute or string key `name` of `object` ("'dict object' has no
// attribute 'x'"), and for a missing element such as a list index ("list object has no element 0").
Value undefined_attribute(const Value& object, const std::string& name);
Value undefined_element(const Value& object, const Value& key);
// Throws the invalid_input error of using undefined `v` where jinja2's Undefined raises.
[[noreturn]] void fail_undefined(const Value& v);

// UTF-8 helpers: the code points of a string (as separate strings), and the character count.
std::vector<std::string> utf8_characters(std::string_view s);
std::size_t utf8_length(std::string_view s);

}  // namespace chunkwise::text::jinja
