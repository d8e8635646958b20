// End-to-end: `chunkwise embed` as a user runs it, on the tiny embedders with transformers goldens
// (tests/data/models/tiny-models): BERT mean / CLS pooling and Qwen3Model last-token pooling.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "cli_runner.h"
#include "support/vectors.h"

namespace chunkwise::testing {
namespace {

const std::string kBert = "tests/data/models/tiny-models/bert-tiny/tf5";
const std::string kQwen3 = "tests/data/models/tiny-models/qwen3-embedder/tf5";
const std::string kCausalLm = "tests/data/models/tiny-models/qwen3-qk-norm/tf5";
// scripts/make_tiny_models.py's "long" prompt.
const std::string kLongPrompt =
    "Once upon a time, in a small village at the edge of a great forest, there lived an old clockmaker who "
    "counted everything: one, two, three, four, five, six, seven, eight, nine, ten. Every morning he walked "
    "to "
    "the river, listened to the water, and wrote down the numbers he heard in a little book with a red "
    "cover.";

nlohmann::json read_golden(const std::string& model) {
  std::ifstream in(std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/" + model + "/golden/golden.json");
  return nlohmann::json::parse(in);
}

std::vector<std::vector<float>> embeddings_of(const std::string& out) {
  std::vector<std::vector<float>> result;
  std::istringstream in(out);
  for (std::string line; std::getline(in, line);) {
    const auto object = nlohmann::json::parse(line);
    EXPECT_EQ(object.size(), 1u) << line;
    result.push_back(object.at("embedding").get<std::vector<float>>());
  }
  return result;
}

using chunkwise::testing::cosine;

void expect_close(const std::vector<float>& actual, const std::vector<float>& expected,
                  const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  EXPECT_GT(cosine(actual, expected), 0.9999) << what;
  for (size_t i = 0; i < actual.size(); ++i)
    EXPECT_NEAR(actual[i], expected[i], 1e-4) << what << " [" << i << "]";
}

std::string text_lines(const nlohmann::json& golden) {
  std::string input;
  for (const auto& prompt : golden["prompts"])
    input += nlohmann::json{{"text", prompt["text"]}}.dump() + "\n";
  return input;
}

void expect_one_line_error(const CliResult& r, const std::string& fragment) {
  EXPECT_EQ(r.exit_code, 2) << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line: " << r.err;
}

TEST(EmbedCli, Help) {
  const auto help = run_chunkwise("embed --help");
  EXPECT_EQ(help.exit_code, 0);
  for (const char* option : {"--model", "--pooling", "--no-normalize", "--batch", "--lines", "--truncate"})
    EXPECT_NE(help.out.find(option), std::string::npos) << option;
}

TEST(EmbedCli, BertMeanAndClsMatchTransformers) {
  const nlohmann::json golden = read_golden("bert-tiny");
  const std::string input = text_lines(golden);
  const auto mean = run_chunkwise("embed --model " + kBert, input);
  ASSERT_EQ(mean.exit_code, 0) << mean.err;
  const auto cls = run_chunkwise("embed --pooling cls --batch 2 --model " + kBert, input);
  ASSERT_EQ(cls.exit_code, 0) << cls.err;
  const auto mean_embeddings = embeddings_of(mean.out), cls_embeddings = embeddings_of(cls.out);
  ASSERT_EQ(mean_embeddings.size(), golden["prompts"].size());
  ASSERT_EQ(cls_embeddings.size(), golden["prompts"].size());
  for (size_t i = 0; i < mean_embeddings.size(); ++i) {
    const auto& prompt = golden["prompts"][i];
    expect_close(mean_embeddings[i], prompt["mean"].get<std::vector<float>>(),
                 "mean " + prompt["name"].dump());
    expect_close(cls_embeddings[i], prompt["cls"].get<std::vector<float>>(), "cls " + prompt["name"].dump());
    EXPECT_LT(cosine(mean_embeddings[i], cls_embeddings[i]), 0.999);  // the two poolings differ
  }
}

TEST(EmbedCli, Qwen3LastTokenMatchesTransformers) {
  // The golden has ids (encoded without special tokens, which this tokenizer does not add); the texts are
  // the generator's prompts.
  const nlohmann::json golden = read_golden("qwen3-embedder");
  // Golden prompt index → text (the chat prompt's text is not in the golden).
  const std::vector<std::pair<size_t, std::string>> texts = {
      {0, "Hello"}, {1, "The quick brown fox jumps over the lazy dog."}, {3, kLongPrompt}};
  std::string input;
  for (const auto& entry : texts) input += nlohmann::json{{"text", entry.second}}.dump() + "\n";
  for (const char* flags : {"", "--no-normalize --batch 2 "}) {
    const auto r = run_chunkwise(std::string("embed ") + flags + "--model " + kQwen3, input);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    const auto embeddings = embeddings_of(r.out);
    ASSERT_EQ(embeddings.size(), texts.size());
    const char* field = *flags ? "last_token" : "embedding";
    for (size_t i = 0; i < embeddings.size(); ++i)
      expect_close(embeddings[i], golden["prompts"][texts[i].first][field].get<std::vector<float>>(),
                   std::string(field) + " " + golden["prompts"][texts[i].first]["name"].dump());
  }
}

TEST(EmbedCli, FloatsRoundTripAndLinesMatchJson) {
  const auto json =
      run_chunkwise("embed --model " + kBert, "{\"text\": \"Hello\"}\n\n{\"text\": \"world\"}\n");
  const auto lines = run_chunkwise("embed --lines --model " + kBert, "Hello\nworld\n");
  ASSERT_EQ(json.exit_code, 0) << json.err;
  ASSERT_EQ(lines.exit_code, 0) << lines.err;
  EXPECT_EQ(json.out, lines.out);  // the blank JSONL line is skipped
  // Each number is the shortest text of its float: printing the parsed float again gives the same text.
  std::istringstream in(json.out);
  std::string line;
  ASSERT_TRUE(std::getline(in, line));
  const std::string numbers = line.substr(line.find('[') + 1, line.find(']') - line.find('[') - 1);
  std::istringstream items(numbers);
  size_t count = 0;
  for (std::string item; std::getline(items, item, ',');) {
    EXPECT_EQ(fmt::format("{}", std::stof(item)), item);
    ++count;
  }
  EXPECT_EQ(count, 32u);
}

TEST(EmbedCli, BadInputExitsTwoWithOneLine) {
  expect_one_line_error(run_chunkwise("embed --model /no/such/model", "{\"text\": \"hi\"}\n"),
                        "/no/such/model");
  expect_one_line_error(run_chunkwise("embed --model " + kBert, "{\"text\": \"ok\"}\n{\"text\": oops}\n"),
                        "stdin line 2: invalid JSON");
  expect_one_line_error(run_chunkwise("embed --model " + kBert, "{\"txt\": \"hi\"}\n"),
                        "stdin line 1: expected {\"text\": string}");
  expect_one_line_error(run_chunkwise("embed --model " + kBert, "[\"hi\"]\n"), "stdin line 1: expected");
  expect_one_line_error(
      run_chunkwise("embed --model " + kCausalLm, "{\"text\": \"hi\"}\n"),
      "Qwen3ForCausalLM is a causal language model (it has an LM head), not an embedding model");
  expect_one_line_error(run_chunkwise("embed --model " + kQwen3, "{\"text\": \"hi\"}\n{\"text\": \"\"}\n"),
                        "stdin line 2: the text has no tokens");
  std::string long_text;
  for (int i = 0; i < 300; ++i) long_text += "the ";
  const std::string long_line = nlohmann::json{{"text", long_text}}.dump() + "\n";
  expect_one_line_error(run_chunkwise("embed --model " + kBert, long_line),
                        "stdin line 1: the text is 302 tokens long; the model takes at most 256");
  const auto truncated = run_chunkwise("embed --truncate --model " + kBert, long_line);
  EXPECT_EQ(truncated.exit_code, 0) << truncated.err;
  EXPECT_EQ(embeddings_of(truncated.out).size(), 1u);
  const auto bad_pooling = run_chunkwise("embed --pooling max --model " + kBert, "");
  EXPECT_EQ(bad_pooling.exit_code, 2);
  const auto bad_batch = run_chunkwise("embed --batch 0 --model " + kBert, "");
  EXPECT_EQ(bad_batch.exit_code, 2);
}

TEST(EmbedCli, CausalLanguageModelWithExplicitPooling) {
  const auto r = run_chunkwise("embed --pooling last --model " + kCausalLm, "{\"text\": \"hi\"}\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const auto embeddings = embeddings_of(r.out);
  ASSERT_EQ(embeddings.size(), 1u);
  double norm = 0;
  for (float v : embeddings[0]) norm += double(v) * v;
  EXPECT_NEAR(std::sqrt(norm), 1.0, 1e-5);
}

}  // namespace
}  // namespace chunkwise::testing
