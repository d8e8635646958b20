// The grounded prompt (numbered sources in the system message, the question as the user's) and the citation
// parser.
#include "rag/grounded_prompt.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "common/error.h"

namespace chunkwise::rag {
namespace {

const std::filesystem::path kModelDir =
    std::filesystem::path(CHUNKWISE_TEST_DATA) / "models" / "tiny-models" / "llama-gqa" / "tf5";

retrieve::SearchHit hit(std::string text) {
  retrieve::SearchHit h;
  h.text = std::move(text);
  return h;
}

TEST(GroundedPrompt, NumbersTheSourcesInTheSystemMessage) {
  const auto messages = grounded_messages("Which one?", {hit("Package: a"), hit("Package: b")});
  ASSERT_EQ(messages.size(), 2u);
  EXPECT_EQ(messages[0]["role"], "system");
  EXPECT_EQ(messages[0]["content"],
            "Answer from the documents and cite them.\n\n[1] Package: a\n\n[2] Package: b");
  EXPECT_EQ(messages[1]["role"], "user");
  EXPECT_EQ(messages[1]["content"], "Which one?");
}

TEST(GroundedPrompt, DropsTheLastSourcesUntilThePromptFits) {
  const text::Tokenizer tokenizer = text::Tokenizer::load(kModelDir);
  const text::jinja::ChatTemplate chat_template(*tokenizer.config().chat_template);
  const std::vector<retrieve::SearchHit> sources = {hit(std::string(200, 'a')), hit(std::string(200, 'b')),
                                                    hit(std::string(200, 'c'))};
  const GroundedPrompt all = build_grounded_prompt(tokenizer, chat_template, "q?", sources, 100000);
  EXPECT_EQ(all.sources.size(), 3u);
  EXPECT_EQ(all.dropped, 0u);
  const GroundedPrompt one = build_grounded_prompt(tokenizer, chat_template, "q?", {sources[0]}, 100000);
  const GroundedPrompt fitted =
      build_grounded_prompt(tokenizer, chat_template, "q?", sources, int64_t(one.ids.size()));
  EXPECT_EQ(fitted.sources.size(), 1u);
  EXPECT_EQ(fitted.dropped, 2u);
  EXPECT_EQ(fitted.ids, one.ids);
  EXPECT_THROW(build_grounded_prompt(tokenizer, chat_template, "q?", sources, 3), Error);
}

TEST(Citations, FindsEachCitedSourceOnceInOrder) {
  EXPECT_EQ(cited_sources("It is curl [2]. See also [1][2] and [3, 1].", 3), (std::vector<int>{2, 1, 3}));
  EXPECT_EQ(cited_sources("[0] [4] [x] [1a] [] [ 2 ]", 3), (std::vector<int>{2}));
  EXPECT_EQ(cited_sources("no citations", 3), (std::vector<int>{}));
  EXPECT_EQ(cited_sources("[99999999999999999999]", 3), (std::vector<int>{}));
  EXPECT_EQ(cited_sources("[1", 3), (std::vector<int>{}));
}

}  // namespace
}  // namespace chunkwise::rag
