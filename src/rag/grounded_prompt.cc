#include "rag/grounded_prompt.h"

#include <algorithm>

#include "common/error.h"

namespace chunkwise::rag {

nlohmann::ordered_json grounded_messages(std::string_view question,
                                         const std::vector<retrieve::SearchHit>& sources) {
  std::string system(kAnswerInstruction);
  for (size_t i = 0; i < sources.size(); ++i)
    system += "\n\n[" + std::to_string(i + 1) + "] " + sources[i].text;
  return nlohmann::ordered_json::array(
      {{{"role", "system"}, {"content", system}}, {{"role", "user"}, {"content", std::string(question)}}});
}

GroundedPrompt build_grounded_prompt(const text::Tokenizer& tokenizer,
                                     const text::jinja::ChatTemplate& chat_template,
                                     std::string_view question, std::vector<retrieve::SearchHit> sources,
                                     int64_t max_prompt_tokens) {
  GroundedPrompt prompt;
  for (;;) {
    text::jinja::ChatTemplateInputs inputs;
    inputs.messages = grounded_messages(question, sources);
    inputs.add_generation_prompt = true;
    inputs.extra["bos_token"] = tokenizer.config().bos_token.value_or("");
    inputs.extra["eos_token"] = tokenizer.config().eos_token.value_or("");
    prompt.ids = tokenizer.encode(chat_template.apply(inputs), /*add_special_tokens=*/false);
    if (int64_t(prompt.ids.size()) <= max_prompt_tokens) break;
    if (sources.empty())
      fail(ErrorKind::invalid_input, "the question alone takes {} tokens; at most {} fit with the answer",
           prompt.ids.size(), max_prompt_tokens);
    sources.pop_back();
    ++prompt.dropped;
  }
  prompt.sources = std::move(sources);
  return prompt;
}

std::vector<int> cited_sources(std::string_view answer, size_t source_count) {
  std::vector<int> cited;
  for (size_t open = answer.find('['); open != std::string_view::npos; open = answer.find('[', open + 1)) {
    const size_t close = answer.find(']', open);
    if (close == std::string_view::npos) break;
    const std::string_view inside = answer.substr(open + 1, close - open - 1);
    // Numbers separated by commas and spaces, nothing else.
    std::vector<int> numbers;
    bool valid = !inside.empty();
    int64_t value = -1;
    for (char c : inside) {
      if (c >= '0' && c <= '9') {
        value = std::min<int64_t>((value < 0 ? 0 : value) * 10 + (c - '0'), 1'000'000);
      } else if (c == ',' || c == ' ') {
        if (value >= 0) numbers.push_back(int(value));
        value = -1;
      } else {
        valid = false;
        break;
      }
    }
    if (value >= 0) numbers.push_back(int(value));
    if (!valid) continue;
    for (int n : numbers)
      if (n >= 1 && size_t(n) <= source_count && std::ranges::find(cited, n) == cited.end())
        cited.push_back(n);
  }
  return cited;
}

}  // namespace chunkwise::rag
