// Errors carry what went wrong and where (file, tensor, line, JSON path). The CLI turns them into a one-line
// message and an exit code, the HTTP layer into a status code; nothing in the library aborts the process.
#pragma once

#include <fmt/format.h>

#include <stdexcept>
#include <string>

namespace chunkwise {

enum class ErrorKind {
  invalid_input,  // malformed file or request: the caller can fix it (exit 2, HTTP 400)
  not_found,      // a file, model or token that does not exist (exit 2, HTTP 404)
  unsupported,    // well-formed but not implemented, e.g. an unknown tokenizer component (exit 2, HTTP 400/501)
  io,             // the operating system refused (exit 1, HTTP 500)
  internal,       // a broken invariant: a bug in chunkwise (exit 1, HTTP 500)
};

const char* to_string(ErrorKind kind);

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, std::string message) : std::runtime_error(std::move(message)), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

  // The same error with `context` in front: "loading tokenizer.json: model.vocab: expected an object".
  Error with_context(const std::string& context) const { return Error(kind_, context + ": " + what()); }

 private:
  ErrorKind kind_;
};

template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

// Runs `body`; an Error escaping it gets `context` prepended, any other std::exception becomes an internal Error.
template <typename Body>
decltype(auto) with_context(const std::string& context, Body&& body) {
  try {
    return body();
  } catch (const Error& e) {
    throw e.with_context(context);
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(ErrorKind::internal, context + ": " + e.what());
  }
}

}  // namespace chunkwise
