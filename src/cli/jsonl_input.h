// Reading JSONL requests from stdin, one object per line, as the tokenize / embed commands take them. Errors
// name the stdin line (1-based) and are invalid_input (exit 2).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"

namespace chunkwise::cli {

// The line parsed as a JSON object (nlohmann::json, or ordered_json where key order matters, e.g. chat
// template variables).
template <typename Json = nlohmann::json>
Json parse_jsonl_object(const std::string& line, size_t line_number) {
  Json value;
  try {
    value = Json::parse(line);
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorKind::invalid_input, "stdin line {}: invalid JSON: {}", line_number, e.what());
  }
  if (!value.is_object())
    fail(ErrorKind::invalid_input, "stdin line {}: expected a JSON object", line_number);
  return value;
}

// The object's "text" string.
std::string text_field(const nlohmann::json& object, size_t line_number);

}  // namespace chunkwise::cli
