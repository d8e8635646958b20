// Arguments of a call from a template: positional values, then keyword values.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> keyword;

  // The argument at `index` or named `name`; nullptr when not given.
  const Value* get(std::size_t index, std::string_view name) const {
    if (index < positional.size()) return &positional[index];
    for (const auto& [key, value] : keyword) {
      if (key == name) return &value;
    }
    return nullptr;
  }
  // Like get, but an argument that is missing or undefined yields `fallback`.
  Value get_or(std::size_t index, std::string_view name, Value fallback) const {
    const Value* v = get(index, name);
    return v && !v->is_undefined() ? *v : fallback;
  }
  // Throws unless at most `max_positional` positional arguments and only keywords from `names` are given.
  void expect_at_most(std::string_view function, std::size_t max_positional,
                      std::initializer_list<std::string_view> names = {}) const;
};

}  // namespace chunkwise::text::jinja
