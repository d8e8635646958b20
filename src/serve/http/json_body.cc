#include "serve/http/json_body.h"

#include <chrono>

#include "serve/http/api_error.h"

namespace chunkwise::serve::http {

nlohmann::ordered_json parse_json_object(std::string_view body) {
  nlohmann::ordered_json json;
  try {
    json = nlohmann::ordered_json::parse(body);
  } catch (const nlohmann::json::exception& e) {
    throw ApiError{400, std::string("the request body is not valid JSON: ") + e.what(),
                   "invalid_request_error", std::nullopt, std::nullopt};
  }
  if (!json.is_object())
    throw ApiError{400, "the request body must be a JSON object", "invalid_request_error", std::nullopt,
                   std::nullopt};
  return json;
}

std::string json_text(const nlohmann::ordered_json& json) {
  return json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

int64_t unix_time() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace chunkwise::serve::http
