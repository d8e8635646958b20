#include "model/json_fields.h"

#include <cmath>

#include "common/error.h"

namespace chunkwise::model::json_fields {
namespace {

std::string field_name(std::string_view path, std::string_view key) {
  return path.empty() ? std::string(key) : fmt::format("{}.{}", path, key);
}

[[noreturn]] void wrong_type(std::string_view path, std::string_view key, const char* expected,
                             const json& value) {
  fail(ErrorKind::invalid_input, "{}: expected {}, got {}", field_name(path, key), expected, preview(value));
}

std::optional<int64_t> to_int(const json& value) {
  if (value.is_number_integer()) {
    if (value.is_number_unsigned() && value.get<uint64_t>() > static_cast<uint64_t>(INT64_MAX))
      return std::nullopt;
    return value.get<int64_t>();
  }
  if (value.is_number_float()) {  // 4096.0 is accepted as 4096; 4096.5 is not
    const double number = value.get<double>();
    if (std::isfinite(number) && number == std::floor(number) && std::fabs(number) < 9.0e15) {
      return static_cast<int64_t>(number);
    }
  }
  return std::nullopt;
}

}  // namespace

const json* find(const json& object, std::string_view key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

std::optional<int64_t> optional_int(const json& object, std::string_view key, std::string_view path) {
  const json* value = find(object, key);
  if (value == nullptr) return std::nullopt;
  const auto result = to_int(*value);
  if (!result) wrong_type(path, key, "an integer", *value);
  return result;
}

std::optional<double> optional_number(const json& object, std::string_view key, std::string_view path) {
  const json* value = find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) wrong_type(path, key, "a number", *value);
  const double number = value->get<double>();
  if (!std::isfinite(number)) wrong_type(path, key, "a finite number", *value);
  return number;
}

std::optional<bool> optional_bool(const json& object, std::string_view key, std::string_view path) {
  const json* value = find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) wrong_type(path, key, "true or false", *value);
  return value->get<bool>();
}

std::optional<std::string> optional_string(const json& object, std::string_view key, std::string_view path) {
  const json* value = find(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_string()) wrong_type(path, key, "a string", *value);
  return value->get<std::string>();
}

int64_t required_int(const json& object, std::string_view key, std::string_view path) {
  const auto value = optional_int(object, key, path);
  if (!value) fail(ErrorKind::invalid_input, "missing required field '{}'", field_name(path, key));
  return *value;
}

double required_number(const json& object, std::string_view key, std::string_view path) {
  const auto value = optional_number(object, key, path);
  if (!value) fail(ErrorKind::invalid_input, "missing required field '{}'", field_name(path, key));
  return *value;
}

std::vector<int64_t> int_or_int_list(const json& object, std::string_view key, std::string_view path) {
  const json* value = find(object, key);
  if (value == nullptr) return {};
  if (!value->is_array()) return {*optional_int(object, key, path)};
  std::vector<int64_t> ids;
  for (const auto& item : *value) {
    const auto id = to_int(item);
    if (!id) wrong_type(path, key, "an integer or a list of integers", *value);
    ids.push_back(*id);
  }
  return ids;
}

std::string preview(const json& value) {
  if (value.is_array()) return fmt::format("an array of {}", value.size());
  if (value.is_object()) return fmt::format("an object of {} keys", value.size());
  std::string text = value.dump(-1, ' ', false, json::error_handler_t::replace);
  if (text.size() > 40) text = text.substr(0, 37) + "...";
  return fmt::format("{} {}", value.type_name(), text);
}

json parse_object(std::string_view text) {
  json document;
  try {
    document = json::parse(text);
  } catch (const json::exception& e) {
    fail(ErrorKind::invalid_input, "not valid JSON: {}", e.what());
  }
  if (!document.is_object())
    fail(ErrorKind::invalid_input, "expected a JSON object, got {}", document.type_name());
  return document;
}

}  // namespace chunkwise::model::json_fields
