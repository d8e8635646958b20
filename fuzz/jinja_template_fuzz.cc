// libFuzzer target: the input bytes are a chat template, rendered with a small fixed conversation. Any
// chunkwise::Error is an accepted outcome; crashes, hangs, leaks and sanitizer reports are bugs.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "common/error.h"
#include "text/jinja/chat_template.h"
#include "text/jinja/interpreter.h"

namespace {

const nlohmann::ordered_json& context() {
  static const nlohmann::ordered_json value = nlohmann::ordered_json::parse(R"({
    "messages": [
      {"role": "system", "content": "Be brief."},
      {"role": "user", "content": "Hi <there> 👋"},
      {"role": "assistant", "content": "<think>\nhm\n</think>\n\nHello!", "tool_calls": [
        {"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris"}}}]},
      {"role": "tool", "content": "21C"},
      {"role": "user", "content": [{"type": "text", "text": "Thanks"}, {"type": "image"}]}
    ],
    "tools": [{"type": "function", "function": {"name": "get_weather", "description": "Weather",
      "parameters": {"type": "object", "properties": {"city": {"type": "string"}}, "required": ["city"]}}}],
    "add_generation_prompt": true,
    "bos_token": "<s>",
    "eos_token": "</s>",
    "enable_thinking": false,
    "n": 3,
    "x": 1.5
  })");
  return value;
}

// Smaller limits than the defaults keep each input fast.
chunkwise::text::jinja::RenderLimits limits() {
  chunkwise::text::jinja::RenderLimits l;
  l.max_output_bytes = 1u << 20;
  l.max_string_bytes = 1u << 20;
  l.max_list_items = 1u << 16;
  l.max_steps = 200'000;
  return l;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 64 * 1024) return 0;
  std::string source(reinterpret_cast<const char*>(data), size);
  try {
    chunkwise::text::jinja::Template tmpl(source, {true, true});
    tmpl.render(context(), limits());
  } catch (const chunkwise::Error&) {
  }
  return 0;
}
