#include "text/jinja/chat_template.h"

#include "common/error.h"
#include "text/jinja/globals.h"
#include "text/jinja/heap.h"
#include "text/jinja/interpreter.h"
#include "text/jinja/lexer.h"
#include "text/jinja/parser.h"

namespace chunkwise::text::jinja {

Template::Template(std::string_view source, const TemplateOptions& options) {
  LexerOptions lexer_options;
  lexer_options.trim_blocks = options.trim_blocks;
  lexer_options.lstrip_blocks = options.lstrip_blocks;
  program_ = std::make_unique<const Program>(parse(tokenize(source, lexer_options)));
}

Template::~Template() = default;
Template::Template(Template&&) noexcept = default;
Template& Template::operator=(Template&&) noexcept = default;

std::string Template::render(const nlohmann::json& context) const {
  return render(nlohmann::ordered_json(context), RenderLimits{});
}

std::string Template::render(const nlohmann::ordered_json& context) const {
  return render(context, RenderLimits{});
}

std::string Template::render(const nlohmann::ordered_json& context, const RenderLimits& limits) const {
  if (!context.is_object() && !context.is_null()) {
    fail(ErrorKind::invalid_input, "template context must be a JSON object");
  }
  RenderHeap heap;  // declared first: values made below die before it empties them
  auto globals = std::make_shared<Frame>();
  install_globals(*globals);
  if (context.is_object()) {
    for (const auto& [key, value] : context.items()) globals->vars[key] = from_json(value);
  }
  Interpreter interpreter(limits);
  return interpreter.render(*program_, std::move(globals));
}

namespace {
TemplateOptions chat_options() {
  TemplateOptions options;
  options.trim_blocks = true;
  options.lstrip_blocks = true;
  return options;
}
}  // namespace

ChatTemplate::ChatTemplate(std::string source)
    : source_(std::move(source)), template_(source_, chat_options()) {}

std::string ChatTemplate::apply(const ChatTemplateInputs& inputs) const {
  nlohmann::ordered_json context = inputs.extra.is_object() ? inputs.extra : nlohmann::ordered_json::object();
  context["messages"] = inputs.messages;
  if (!inputs.tools.is_null()) {
    context["tools"] = inputs.tools;
  } else {
    context.erase("tools");
  }
  context["add_generation_prompt"] = inputs.add_generation_prompt;
  return with_context("rendering chat template", [&] { return template_.render(context); });
}

}  // namespace chunkwise::text::jinja
