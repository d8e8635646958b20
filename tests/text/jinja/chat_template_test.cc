// ChatTemplate builds the context like transformers' apply_chat_template and renders with trim_blocks and
// lstrip_blocks.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

ChatTemplateInputs conversation() {
  ChatTemplateInputs inputs;
  inputs.messages = nlohmann::json::parse(R"([{"role": "user", "content": "Hi"}])");
  return inputs;
}

TEST(JinjaChatTemplate, ContextHasMessagesPromptFlagAndExtraKeys) {
  ChatTemplate chat(
      "{{ bos_token }}{% for m in messages %}{{ m.role }}:{{ m.content }}{% endfor %}"
      "{% if add_generation_prompt %}|gen{% endif %}");
  ChatTemplateInputs inputs = conversation();
  inputs.extra = {{"bos_token", "<s>"}};
  EXPECT_EQ(chat.apply(inputs), "<s>user:Hi");
  inputs.add_generation_prompt = true;
  EXPECT_EQ(chat.apply(inputs), "<s>user:Hi|gen");
}

TEST(JinjaChatTemplate, ToolsAreDefinedOnlyWhenGiven) {
  ChatTemplate chat(
      "{{ tools is defined }}{% if tools %}:{{ tools | map(attribute='name') | join(',') }}{% endif %}");
  ChatTemplateInputs inputs = conversation();
  EXPECT_EQ(chat.apply(inputs), "False");
  inputs.tools = nlohmann::json::parse(R"([{"name": "a"}, {"name": "b"}])");
  EXPECT_EQ(chat.apply(inputs), "True:a,b");
}

TEST(JinjaChatTemplate, ExplicitFieldsWinOverExtra) {
  ChatTemplate chat("{{ messages | length }}{{ add_generation_prompt }}");
  ChatTemplateInputs inputs = conversation();
  inputs.extra = {{"messages", "not a list"}, {"add_generation_prompt", "yes"}};
  EXPECT_EQ(chat.apply(inputs), "1False");
}

TEST(JinjaChatTemplate, RendersWithTrimAndLstripBlocks) {
  ChatTemplate chat(
      "{% for m in messages %}\n  {% if true %}\n[{{ m.content }}]\n  {% endif %}\n{% endfor %}\n");
  EXPECT_EQ(chat.apply(conversation()), "[Hi]\n");
}

TEST(JinjaChatTemplate, RaiseExceptionIsInvalidInputWithTheMessage) {
  ChatTemplate chat(
      "{% if messages[0].role != 'system' %}{{ raise_exception('System message required') }}{% endif %}");
  try {
    chat.apply(conversation());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("System message required"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("line 1, column"), std::string::npos) << e.what();
  }
}

TEST(JinjaChatTemplate, TinyModelTemplateFromTheSharedModelDirectory) {
  std::filesystem::path path =
      std::filesystem::path(CHUNKWISE_TEST_DATA) / "chat_templates" / "tiny_lm.jinja";
  std::ifstream in(path);
  std::stringstream source;
  source << in.rdbuf();
  ChatTemplate chat(source.str());
  ChatTemplateInputs inputs = conversation();
  inputs.add_generation_prompt = true;
  EXPECT_EQ(chat.apply(inputs), "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
}

TEST(JinjaChatTemplate, TemplateIsReusableAcrossRenders) {
  Template t("{{ n * 2 }}");
  EXPECT_EQ(t.render(nlohmann::json{{"n", 2}}), "4");
  EXPECT_EQ(t.render(nlohmann::json{{"n", 5}}), "10");
  EXPECT_THROW(t.render(nlohmann::json()), Error);  // undefined * 2
  EXPECT_EQ(t.render(nlohmann::json{{"n", 1}}), "2");
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaChatTemplate, LongConversationsStayWithinTheDefaultLimits) {
  std::filesystem::path path = std::filesystem::path(CHUNKWISE_TEST_DATA) / "chat_templates" / "qwen3.jinja";
  std::ifstream in(path);
  std::stringstream source;
  source << in.rdbuf();
  ChatTemplate chat(source.str());
  ChatTemplateInputs inputs;
  std::string content(2000, 'x');
  for (int i = 0; i < 2000; ++i) {
    inputs.messages.push_back({{"role", i % 2 == 0 ? "user" : "assistant"}, {"content", content}});
  }
  inputs.add_generation_prompt = true;
  std::string out = chat.apply(inputs);
  EXPECT_GT(out.size(), 2000u * 2000u);
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
