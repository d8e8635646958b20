// Jinja templates as Hugging Face chat templates use them. Template parses once and renders many times;
// ChatTemplate builds the context the way transformers' apply_chat_template does and renders with
// trim_blocks and lstrip_blocks. Templates may be untrusted: every failure, including exceeding the render
// limits, is a chunkwise::Error (invalid_input) whose message names the template line and column.
#pragma once

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace chunkwise::text::jinja {

struct Program;
struct RenderLimits;

struct TemplateOptions {
  bool trim_blocks = false;
  bool lstrip_blocks = false;
};

class Template {
 public:
  explicit Template(std::string_view source, const TemplateOptions& options = {});
  ~Template();
  Template(Template&&) noexcept;
  Template& operator=(Template&&) noexcept;

  // `context` must be an object (or null); its keys become template variables. nlohmann::json sorts object
  // keys; pass an ordered_json to keep the caller's key order (tojson output follows it).
  std::string render(const nlohmann::json& context) const;
  std::string render(const nlohmann::ordered_json& context) const;
  std::string render(const nlohmann::ordered_json& context, const RenderLimits& limits) const;

 private:
  std::unique_ptr<const Program> program_;
};

// ordered_json keeps the key order of tool schemas and messages as given, like Python dicts do, so that
// `tools | tojson` prints them the way transformers would. A nlohmann::json assigns to these fields directly
// (with its keys sorted).
struct ChatTemplateInputs {
  nlohmann::ordered_json messages = nlohmann::ordered_json::array();
  nlohmann::ordered_json tools;  // null when absent
  bool add_generation_prompt = false;
  nlohmann::ordered_json extra =
      nlohmann::ordered_json::object();  // bos_token, eos_token, enable_thinking, ...
};

class ChatTemplate {
 public:
  explicit ChatTemplate(std::string source);
  std::string apply(const ChatTemplateInputs& inputs) const;
  const std::string& source() const { return source_; }

 private:
  std::string source_;
  Template template_;
};

}  // namespace chunkwise::text::jinja
