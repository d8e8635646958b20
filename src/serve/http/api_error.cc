#include "serve/http/api_error.h"

namespace chunkwise::serve::http {

nlohmann::json ApiError::body() const {
  nlohmann::json error = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (param) error["param"] = *param;
  if (code) error["code"] = *code;
  return {{"error", error}};
}

ApiError api_error_of(const Error& error) {
  switch (error.kind()) {
    case ErrorKind::invalid_input:
    case ErrorKind::unsupported:
      return {400, error.what(), "invalid_request_error", std::nullopt, std::nullopt};
    case ErrorKind::not_found:
      return {404, error.what(), "not_found_error", std::nullopt, std::nullopt};
    case ErrorKind::io:
    case ErrorKind::internal:
      break;
  }
  return {500, error.what(), "internal_server_error", std::nullopt, std::nullopt};
}

void bad_field(const std::string& param, const std::string& message) {
  throw ApiError{400, message, "invalid_request_error", param, std::nullopt};
}

}  // namespace chunkwise::serve::http
