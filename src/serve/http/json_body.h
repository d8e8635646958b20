// JSON in and out of the HTTP API: request bodies parsed as objects (an ApiError 400 otherwise), responses
// written with invalid UTF-8 replaced (generated text may end inside a character), and the Unix time that
// OpenAI's objects carry as "created".
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace chunkwise::serve::http {

// Throws ApiError (400) for invalid JSON or a body that is not an object.
nlohmann::ordered_json parse_json_object(std::string_view body);

std::string json_text(const nlohmann::ordered_json& json);

int64_t unix_time();

}  // namespace chunkwise::serve::http
