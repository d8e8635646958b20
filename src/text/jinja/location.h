// Where something is in a template, and the error type that carries it.
#pragma once

#include <string>

#include "common/error.h"

namespace chunkwise::text::jinja {

struct Location {
  int line = 1;
  int column = 1;
};

// A chunkwise::Error whose message already names the template line and column.
class TemplateError : public Error {
 public:
  TemplateError(ErrorKind kind, Location where, const std::string& message)
      : Error(kind, "template line " + std::to_string(where.line) + ", column " +
                        std::to_string(where.column) + ": " + message) {}
};

template <typename... Args>
[[noreturn]] void fail_at(Location where, fmt::format_string<Args...> format, Args&&... args) {
  throw TemplateError(ErrorKind::invalid_input, where, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace chunkwise::text::jinja
