#include "text/jinja/call_args.h"

#include <algorithm>

#include "common/error.h"

namespace chunkwise::text::jinja {

void CallArgs::expect_at_most(std::string_view function, std::size_t max_positional,
                              std::initializer_list<std::string_view> names) const {
  if (positional.size() > max_positional) {
    fail(ErrorKind::invalid_input, "{}() takes at most {} positional arguments ({} given)", function,
         max_positional, positional.size());
  }
  for (const auto& [key, value] : keyword) {
    if (std::find(names.begin(), names.end(), key) == names.end()) {
      fail(ErrorKind::invalid_input, "{}() got an unexpected keyword argument '{}'", function, key);
    }
  }
}

}  // namespace chunkwise::text::jinja
