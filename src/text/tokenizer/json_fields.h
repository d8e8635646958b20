// Typed access to the fields of tokenizer.json objects. A missing or mistyped field is Error(invalid_input)
// naming the field; callers add the JSON path of the object with with_context().
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

namespace chunkwise::text {

const nlohmann::json& require_field(const nlohmann::json& object, std::string_view key);
std::string string_field(const nlohmann::json& object, std::string_view key);
// Absent or null: nullopt.
std::optional<std::string> optional_string_field(const nlohmann::json& object, std::string_view key);
bool bool_field(const nlohmann::json& object, std::string_view key, bool fallback);
int64_t int_field(const nlohmann::json& object, std::string_view key, int64_t fallback);
// The "type" of a component object.
std::string component_type(const nlohmann::json& spec);
// A single Unicode character given as a string (e.g. Metaspace's replacement).
char32_t char_field(const nlohmann::json& object, std::string_view key, char32_t fallback);

}  // namespace chunkwise::text
