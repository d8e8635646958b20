// End-to-end: `chunkwise generate` as a user runs it, on the tiny reference models: greedy continuations
// equal transformers' (golden greedy_ids, EOS not a stop there, hence --ignore-eos) from ids, text and chat
// prompts, in both config layouts; streamed text equals the --json text; bad input is one line and exit 2.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;

const std::string kModels = "tests/data/models/tiny-models/";  // relative to the source dir, where it runs
const std::string kGqa = "--model " + kModels + "llama-gqa/tf5";

nlohmann::json golden(const std::string& model) {
  std::ifstream in(fs::path(CHUNKWISE_SOURCE_DIR) / kModels / model / "golden" / "golden.json");
  return nlohmann::json::parse(in);
}

nlohmann::json prompt_named(const nlohmann::json& g, const std::string& name) {
  for (const auto& p : g["prompts"])
    if (p["name"] == name) return p;
  throw std::runtime_error("no golden prompt " + name);
}

std::string shell_quote(const std::string& text) {
  std::string quoted = "'";
  for (const char c : text) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return quoted + "'";
}

std::string id_list(const nlohmann::json& ids) {
  std::string out;
  for (const auto& id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id.get<int>());
  }
  return out;
}

nlohmann::json run_json(const std::string& args, const std::string& stdin_text = "") {
  const CliResult r = run_chunkwise("generate " + args + " --json", stdin_text);
  EXPECT_EQ(r.exit_code, 0) << args << "\n" << r.err;
  if (r.exit_code != 0) return nlohmann::json::object();
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "expected one line: " << r.out;
  return nlohmann::json::parse(r.out);
}

// A one-line error naming `fragment`, exit 2, nothing on stdout.
void expect_usage_error(const std::string& args, const std::string& fragment,
                        const std::string& stdin_text = "") {
  const CliResult r = run_chunkwise("generate " + args, stdin_text);
  EXPECT_EQ(r.exit_code, 2) << args << "\n" << r.err;
  EXPECT_NE(r.err.find(fragment), std::string::npos) << args << "\n" << r.err;
  EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
}

TEST(GenerateCli, Help) {
  const CliResult r = run_chunkwise("generate --help");
  EXPECT_EQ(r.exit_code, 0);
  for (const char* option : {"--prompt-ids", "--chat", "--max-tokens", "--ignore-eos",
                             "generation_config.json", "--matmul-precision"})
    EXPECT_NE(r.out.find(option), std::string::npos) << option;
}

class GenerateGolden : public ::testing::TestWithParam<std::string> {};

TEST_P(GenerateGolden, PromptIdsGiveTransformersGreedyIds) {
  const std::string model = GetParam();
  const nlohmann::json g = golden(model.substr(0, model.find('/')));
  for (const auto& prompt : g["prompts"]) {
    const nlohmann::json out =
        run_json("--model " + kModels + model + " --prompt-ids " + id_list(prompt["ids"]) +
                 " --max-tokens 64 --ignore-eos --temperature 0");
    EXPECT_EQ(out["ids"], prompt["greedy_ids"]) << model << " prompt " << prompt["name"];
    EXPECT_EQ(out["finish_reason"], "length");
    EXPECT_EQ(out["usage"]["prompt_tokens"], prompt["ids"].size());
    EXPECT_EQ(out["usage"]["completion_tokens"], 64);
  }
}

TEST_P(GenerateGolden, PromptTextGivesTheSameAsItsIds) {
  const std::string model = GetParam();
  const nlohmann::json prompt = prompt_named(golden(model.substr(0, model.find('/'))), "sentence");
  const nlohmann::json out =
      run_json("--model " + kModels + model + " --prompt " + shell_quote(prompt["text"].get<std::string>()) +
               " --max-tokens 64 --ignore-eos --temperature 0");
  EXPECT_EQ(out["usage"]["prompt_tokens"], prompt["ids"].size());
  EXPECT_EQ(out["ids"], prompt["greedy_ids"]);
}

TEST_P(GenerateGolden, ChatMessagesRenderToTheGoldenPrompt) {
  const std::string model = GetParam();
  const nlohmann::json prompt = prompt_named(golden(model.substr(0, model.find('/'))), "chat");
  ASSERT_TRUE(prompt["messages"].is_array());
  const std::string args = "--model " + kModels + model + " --max-tokens 64 --ignore-eos --temperature 0";
  // {"messages": [...]} on stdin
  const nlohmann::json from_stdin =
      run_json(args + " --chat -", nlohmann::json{{"messages", prompt["messages"]}}.dump());
  EXPECT_EQ(from_stdin["usage"]["prompt_tokens"], prompt["ids"].size());
  EXPECT_EQ(from_stdin["ids"], prompt["greedy_ids"]);
  // a bare list in a file
  const fs::path file =
      fs::temp_directory_path() / ("chunkwise-chat-" + std::to_string(::getpid()) + ".json");
  std::ofstream(file) << prompt["messages"].dump();
  const nlohmann::json from_file = run_json(args + " --chat " + shell_quote(file.string()));
  fs::remove(file);
  EXPECT_EQ(from_file["ids"], prompt["greedy_ids"]);
}

INSTANTIATE_TEST_SUITE_P(TinyModels, GenerateGolden, ::testing::Values("llama-gqa/tf5", "qwen2-bias/tf4"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-' || c == '/') c = '_';
                           return name;
                         });

TEST(GenerateCli, StreamedTextEqualsJsonText) {
  const nlohmann::json prompt = prompt_named(golden("llama-gqa"), "long");
  const std::string args = kGqa + " --prompt-ids " + id_list(prompt["ids"]) + " --max-tokens 64 --ignore-eos";
  const CliResult streamed = run_chunkwise("generate " + args);
  ASSERT_EQ(streamed.exit_code, 0) << streamed.err;
  EXPECT_TRUE(streamed.err.empty()) << streamed.err;
  const nlohmann::json out = run_json(args);
  EXPECT_EQ(out["ids"], prompt["greedy_ids"]);  // greedy without generation_config.json do_sample
  EXPECT_FALSE(streamed.out.empty());
  EXPECT_EQ(streamed.out, out["text"].get<std::string>());
}

TEST(GenerateCli, StopStringAndMaxTokens) {
  const nlohmann::json prompt = prompt_named(golden("llama-gqa"), "sentence");
  const std::string args = kGqa + " --prompt-ids " + id_list(prompt["ids"]) + " --ignore-eos";
  const nlohmann::json full = run_json(args + " --max-tokens 64");
  const std::string text = full["text"];
  ASSERT_GT(text.size(), 30u);
  const std::string stop = text.substr(text.find(' ', 20), 3);
  const nlohmann::json stopped =
      run_json(args + " --max-tokens 64 --stop " + shell_quote(stop) + " --stop zzzq");
  EXPECT_EQ(stopped["finish_reason"], "stop");
  EXPECT_EQ(stopped["text"], text.substr(0, text.find(stop)));
  EXPECT_LT(stopped["ids"].size(), 64u);

  const nlohmann::json five = run_json(args + " --max-tokens 5");
  EXPECT_EQ(five["finish_reason"], "length");
  EXPECT_EQ(five["usage"]["completion_tokens"], 5);
}

TEST(GenerateCli, EosStopsUnlessIgnored) {
  // llama-rope-llama3's greedy continuation of its "long" prompt reaches EOS (id 0) at step 14.
  const nlohmann::json prompt = prompt_named(golden("llama-rope-llama3"), "long");
  const auto greedy = prompt["greedy_ids"].get<std::vector<int>>();
  const size_t eos = size_t(std::find(greedy.begin(), greedy.end(), 0) - greedy.begin());
  ASSERT_LT(eos, greedy.size());
  const std::string args = "--model " + kModels + "llama-rope-llama3/tf5 --prompt-ids " +
                           id_list(prompt["ids"]) + " --max-tokens 64";
  const nlohmann::json stopped = run_json(args);
  EXPECT_EQ(stopped["finish_reason"], "stop");
  EXPECT_EQ(stopped["ids"],
            nlohmann::json(std::vector<int>(greedy.begin(), greedy.begin() + std::ptrdiff_t(eos) + 1)));
  const nlohmann::json ignored = run_json(args + " --ignore-eos");
  EXPECT_EQ(ignored["ids"], prompt["greedy_ids"]);
  EXPECT_EQ(ignored["finish_reason"], "length");
  EXPECT_EQ(ignored["text"].get<std::string>().rfind(stopped["text"].get<std::string>(), 0), 0u);
}

TEST(GenerateCli, SeedReproducesSampling) {
  const std::string args =
      kGqa + " --prompt 'Once upon a time' --max-tokens 32 --temperature 1.2 --top-p 0.9 --ignore-eos";
  const nlohmann::json a = run_json(args + " --seed 11");
  const nlohmann::json b = run_json(args + " --seed 11");
  EXPECT_EQ(a["ids"], b["ids"]);
  EXPECT_EQ(a["text"], b["text"]);
}

TEST(GenerateCli, LogprobsAndVerboseTimings) {
  const CliResult r = run_chunkwise("generate " + kGqa +
                                    " --prompt-ids 42,354,322 --max-tokens 4 --json --logprobs 2 --verbose");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json out = nlohmann::json::parse(r.out);
  ASSERT_EQ(out["logprobs"].size(), 4u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(out["logprobs"][i]["id"], out["ids"][i]);
    EXPECT_LE(out["logprobs"][i]["logprob"].get<double>(), 0.0);
    EXPECT_EQ(out["logprobs"][i]["top_logprobs"].size(), 2u);
  }
  EXPECT_NE(r.err.find("prefill 3 tokens"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("tok/s"), std::string::npos) << r.err;
}

TEST(GenerateCli, BadInputIsOneLineAndExitTwo) {
  expect_usage_error("--model /no/such/model --prompt hi --max-tokens 4", "/no/such/model");
  expect_usage_error(kGqa + " --prompt-ids 1,512,3 --max-tokens 4",
                     "id 512) is not in the vocabulary (size 512)");
  expect_usage_error(kGqa + " --prompt-ids 1,x,3 --max-tokens 4", "'x' is not a token id");
  expect_usage_error(kGqa + " --prompt-ids '' --max-tokens 4", "is not a token id");
  expect_usage_error(kGqa + " --prompt hi --max-tokens 0", "--max-tokens must be >= 1, got 0");
  expect_usage_error(kGqa + " --prompt hi --matmul-precision fp8", "unknown matmul precision 'fp8'");
  expect_usage_error(kGqa + " --prompt hi --max-tokens -5", "--max-tokens must be >= 1, got -5");
  expect_usage_error(kGqa + " --chat - --max-tokens 4", "invalid JSON", "{\"messages\": [");
  expect_usage_error(kGqa + " --chat - --max-tokens 4", "expected {\"messages\": [...]}", "{\"msgs\": []}");
  expect_usage_error(kGqa + " --chat - --max-tokens 4", "\"role\"", "[\"hello\"]");
  expect_usage_error(kGqa + " --chat /no/such/chat.json --max-tokens 4", "/no/such/chat.json");
  expect_usage_error(kGqa + " --prompt hi --prompt-ids 1,2 --max-tokens 4", "exactly one of --prompt");
  expect_usage_error(kGqa + " --max-tokens 4", "exactly one of --prompt");
  expect_usage_error(
      kGqa + " --prompt-ids " + id_list(nlohmann::json(std::vector<int>(250, 7))) + " --max-tokens 64",
      "maximum context length is 256 tokens, but 314 were requested");
  expect_usage_error(kGqa + " --prompt hi --temperature -1", "temperature must be >= 0");
  expect_usage_error(kGqa + " --prompt hi --stop ''", "stop string 0 is empty");
  expect_usage_error(kGqa + " --prompt hi --logprobs 2", "--logprobs needs --json");
  expect_usage_error(kGqa + " --prompt hi --json --logprobs 21", "logprobs must be in [0, 20]");
  expect_usage_error("--model " + kModels + "bert-tiny/tf5 --prompt hi", "bert-tiny");
}

}  // namespace
}  // namespace chunkwise::testing
