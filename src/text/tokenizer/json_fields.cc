#include "text/tokenizer/json_fields.h"

#include "common/error.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

const nlohmann::json& require_field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) fail(ErrorKind::invalid_input, "expected an object, got {}", object.type_name());
  const auto it = object.find(key);
  if (it == object.end()) fail(ErrorKind::invalid_input, "missing field '{}'", key);
  return *it;
}

std::string string_field(const nlohmann::json& object, std::string_view key) {
  const auto& value = require_field(object, key);
  if (!value.is_string())
    fail(ErrorKind::invalid_input, "{}: expected a string, got {}", key, value.type_name());
  return value.get<std::string>();
}

std::optional<std::string> optional_string_field(const nlohmann::json& object, std::string_view key) {
  if (!object.is_object()) fail(ErrorKind::invalid_input, "expected an object, got {}", object.type_name());
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return std::nullopt;
  if (!it->is_string()) fail(ErrorKind::invalid_input, "{}: expected a string, got {}", key, it->type_name());
  return it->get<std::string>();
}

bool bool_field(const nlohmann::json& object, std::string_view key, bool fallback) {
  if (!object.is_object()) fail(ErrorKind::invalid_input, "expected an object, got {}", object.type_name());
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_boolean())
    fail(ErrorKind::invalid_input, "{}: expected a boolean, got {}", key, it->type_name());
  return it->get<bool>();
}

int64_t int_field(const nlohmann::json& object, std::string_view key, int64_t fallback) {
  if (!object.is_object()) fail(ErrorKind::invalid_input, "expected an object, got {}", object.type_name());
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return fallback;
  if (!it->is_number_integer())
    fail(ErrorKind::invalid_input, "{}: expected an integer, got {}", key, it->type_name());
  return it->get<int64_t>();
}

std::string component_type(const nlohmann::json& spec) {
  return string_field(spec, "type");
}

char32_t char_field(const nlohmann::json& object, std::string_view key, char32_t fallback) {
  const auto value = optional_string_field(object, key);
  if (!value) return fallback;
  if (value->empty() || !is_valid_utf8(*value))
    fail(ErrorKind::invalid_input, "{}: expected one character", key);
  size_t pos = 0;
  const char32_t c = next_code_point(*value, pos);
  if (pos != value->size())
    fail(ErrorKind::invalid_input, "{}: expected one character, got '{}'", key, *value);
  return c;
}

}  // namespace chunkwise::text
