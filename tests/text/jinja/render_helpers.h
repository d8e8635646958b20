// Shortcuts for the Jinja tests: render a template string with a JSON context.
#pragma once

#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "text/jinja/chat_template.h"
#include "text/jinja/interpreter.h"

namespace chunkwise::text::jinja::testing {

// Renders like Jinja's default Environment (no trim_blocks / lstrip_blocks).
inline std::string render(std::string_view source, const nlohmann::json& context = nlohmann::json::object()) {
  return Template(source).render(context);
}

// Renders with trim_blocks and lstrip_blocks, as chat templates are.
inline std::string render_chat(std::string_view source,
                               const nlohmann::json& context = nlohmann::json::object()) {
  return Template(source, TemplateOptions{true, true}).render(context);
}

// The message of the chunkwise::Error that rendering throws, or "" if it does not throw.
inline std::string render_error(std::string_view source,
                                const nlohmann::ordered_json& context = nlohmann::ordered_json::object(),
                                const RenderLimits& limits = RenderLimits{}) {
  try {
    Template(source).render(context, limits);
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

}  // namespace chunkwise::text::jinja::testing
