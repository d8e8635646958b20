// End-to-end: `chunkwise tokenize` as a user runs it, on the bundled tokenizer of our tiny model.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace chunkwise::testing {
namespace {

const char* kTok = "--tokenizer assets/tokenizers/tiny-lm";

std::vector<nlohmann::json> json_lines(const std::string& text) {
  std::vector<nlohmann::json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(nlohmann::json::parse(line));
  return lines;
}

TEST(Cli, VersionAndHelp) {
  auto version = run_chunkwise("--version");
  EXPECT_EQ(version.exit_code, 0);
  EXPECT_EQ(version.out.rfind("chunkwise ", 0), 0u) << version.out;

  auto help = run_chunkwise("tokenize --help");
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--tokenizer"), std::string::npos);
  EXPECT_NE(help.out.find("--decode"), std::string::npos);
}

TEST(Cli, UsageErrorsExitTwo) {
  auto none = run_chunkwise("");
  EXPECT_EQ(none.exit_code, 2);
  auto unknown = run_chunkwise("no-such-command");
  EXPECT_EQ(unknown.exit_code, 2);
  auto missing_option = run_chunkwise("tokenize");
  EXPECT_EQ(missing_option.exit_code, 2);
  EXPECT_NE(missing_option.err.find("--tokenizer"), std::string::npos) << missing_option.err;
}

TEST(Cli, MissingTokenizerIsOneLineError) {
  auto r = run_chunkwise("tokenize --tokenizer /no/such/dir", "{\"text\": \"hi\"}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("/no/such/dir"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line: " << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, EncodeThenDecodeRoundTrips) {
  const std::vector<std::string> texts = {"Package: nginx\nSummary: small, powerful web server",
                                          "  spaces  and\ttabs ", "中文 and émoji 🎉", ""};
  std::string input;
  for (const auto& t : texts) input += nlohmann::json{{"text", t}}.dump() + "\n";
  auto encoded = run_chunkwise(std::string("tokenize ") + kTok, input);
  ASSERT_EQ(encoded.exit_code, 0) << encoded.err;
  auto lines = json_lines(encoded.out);
  ASSERT_EQ(lines.size(), texts.size());
  for (const auto& line : lines) ASSERT_TRUE(line["ids"].is_array());
  EXPECT_TRUE(lines[3]["ids"].empty());
  EXPECT_GT(lines[0]["ids"].size(), 5u);

  auto decoded = run_chunkwise(std::string("tokenize --decode ") + kTok, encoded.out);
  ASSERT_EQ(decoded.exit_code, 0) << decoded.err;
  auto texts_back = json_lines(decoded.out);
  ASSERT_EQ(texts_back.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(texts_back[i]["text"], texts[i]);
}

TEST(Cli, PlainLinesMatchJsonInput) {
  auto plain = run_chunkwise(std::string("tokenize --lines ") + kTok, "first line\nsecond line\n");
  auto json = run_chunkwise(std::string("tokenize ") + kTok,
                            "{\"text\": \"first line\"}\n{\"text\": \"second line\"}\n");
  ASSERT_EQ(plain.exit_code, 0) << plain.err;
  EXPECT_EQ(plain.out, json.out);
}

TEST(Cli, MalformedLineNamesTheLine) {
  auto r = run_chunkwise(std::string("tokenize ") + kTok, "{\"text\": \"ok\"}\n{\"text\": oops}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("line 2"), std::string::npos) << r.err;

  auto wrong_type = run_chunkwise(std::string("tokenize ") + kTok, "{\"text\": 42}\n");
  EXPECT_EQ(wrong_type.exit_code, 2);
  EXPECT_NE(wrong_type.err.find("line 1"), std::string::npos) << wrong_type.err;
}

TEST(Cli, DecodeRejectsIdsOutsideTheVocabulary) {
  auto r = run_chunkwise(std::string("tokenize --decode ") + kTok, "{\"ids\": [1, 99999999]}\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("99999999"), std::string::npos) << r.err;
  auto negative = run_chunkwise(std::string("tokenize --decode ") + kTok, "{\"ids\": [-1]}\n");
  EXPECT_EQ(negative.exit_code, 2);
}

TEST(Cli, ChatRendersTheModelsTemplate) {
  const std::string request =
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]})";
  auto r = run_chunkwise(std::string("tokenize --chat --add-generation-prompt ") + kTok, request + "\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = json_lines(r.out);
  ASSERT_EQ(lines.size(), 1u);
  // The tiny model's ChatML template, as transformers renders it.
  EXPECT_EQ(
      lines[0]["text"],
      "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n");
  // The special tokens are single ids: <|im_start|> is id 1 in the tiny model's vocabulary.
  ASSERT_FALSE(lines[0]["ids"].empty());
  EXPECT_EQ(lines[0]["ids"][0], 1);

  auto encoded = run_chunkwise(std::string("tokenize --no-special ") + kTok,
                               nlohmann::json{{"text", lines[0]["text"]}}.dump() + "\n");
  EXPECT_EQ(json_lines(encoded.out)[0]["ids"], lines[0]["ids"]);
}

TEST(Cli, ChatWithoutTemplateIsAnError) {
  // A bare tokenizer.json has no chat template.
  auto r = run_chunkwise("tokenize --chat --tokenizer assets/tokenizers/tiny-lm/tokenizer.json",
                         R"({"messages": [{"role": "user", "content": "Hi"}]})"
                         "\n");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("chat template"), std::string::npos) << r.err;
}

TEST(Cli, TextOptionShowsTokens) {
  auto r = run_chunkwise(std::string("tokenize --text 'Hello world' --tokens ") + kTok);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("tokens, 11 bytes"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace chunkwise::testing
