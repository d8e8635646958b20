// Typed reads of config JSON fields with errors that name the field: "num_attention_heads: expected an
// integer, got string". A null field counts as absent, as transformers treats it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chunkwise::model::json_fields {

using nlohmann::json;

// `object` must be a JSON object. `path` prefixes the field name in errors ("rope_scaling.factor").
const json* find(const json& object, std::string_view key);
std::optional<int64_t> optional_int(const json& object, std::string_view key, std::string_view path = {});
std::optional<double> optional_number(const json& object, std::string_view key, std::string_view path = {});
std::optional<bool> optional_bool(const json& object, std::string_view key, std::string_view path = {});
std::optional<std::string> optional_string(const json& object, std::string_view key,
                                           std::string_view path = {});
int64_t required_int(const json& object, std::string_view key, std::string_view path = {});
double required_number(const json& object, std::string_view key, std::string_view path = {});
// An integer or a list of integers (eos_token_id); absent or null gives an empty list.
std::vector<int64_t> int_or_int_list(const json& object, std::string_view key, std::string_view path = {});

// A short rendering of `value` for error messages. Arrays and objects are summarised, never dumped: dump()
// recurses and a deeply nested value from a hostile file would overflow the stack.
std::string preview(const json& value);

// Parses text that must be a JSON object; throws Error(invalid_input) otherwise.
json parse_object(std::string_view text);

}  // namespace chunkwise::model::json_fields
