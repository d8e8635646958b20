// An error as the HTTP API reports it: a status code and OpenAI's error object
// {"error": {"message", "type", "param", "code"}}.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "common/error.h"

namespace chunkwise::serve::http {

struct ApiError {
  int status = 400;
  std::string message;
  std::string type = "invalid_request_error";
  std::optional<std::string> param;
  std::optional<std::string> code;

  nlohmann::json body() const;
};

// A library error as the API reports it: invalid_input and unsupported are 400, not_found 404, the rest 500.
ApiError api_error_of(const Error& error);

// Throws an ApiError (status 400) naming the request field.
[[noreturn]] void bad_field(const std::string& param, const std::string& message);

}  // namespace chunkwise::serve::http
