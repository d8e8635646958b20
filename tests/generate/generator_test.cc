// Generator on the tiny reference models (tests/data/models/tiny-models): greedy continuations equal
// transformers' (golden greedy_ids, EOS not a stop there), chunked prefill changes nothing, seeds reproduce,
// stop strings / stop ids / max_tokens end the sequence as StopChecker defines, and bad requests are one
// invalid_input error each.
#include "generate/generator.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "support/expect_error.h"

namespace chunkwise::generate {
namespace {

namespace fs = std::filesystem;
using chunkwise::testing::expect_error;

const fs::path kTinyModels = fs::path(CHUNKWISE_TEST_DATA) / "models" / "tiny-models";

nlohmann::json read_json(const fs::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  return nlohmann::json::parse(in);
}

struct TinyModel {
  model::DecoderModel model;
  text::Tokenizer tokenizer;
  nlohmann::json golden;

  TinyModel(const std::string& name, const std::string& layout)
      : model(model::DecoderModel::load(kTinyModels / name / layout)),
        tokenizer(text::Tokenizer::load(kTinyModels / name / layout)),
        golden(read_json(kTinyModels / name / "golden" / "golden.json")) {}

  const nlohmann::json& prompt(const std::string& name) const {
    for (const auto& p : golden["prompts"])
      if (p["name"] == name) return p;
    throw std::runtime_error("no golden prompt " + name);
  }
};

GenerationRequest greedy_request(std::vector<int32_t> prompt, int64_t max_tokens) {
  GenerationRequest request;
  request.prompt = std::move(prompt);
  request.sampling.temperature = 0;
  request.stop.max_tokens = max_tokens;
  return request;
}

// What the stream showed, piece by piece.
struct Stream {
  std::string text;
  std::vector<int32_t> ids;
  int finished = 0;
  TokenCallback callback() {
    return [this](const GeneratedToken& token) {
      text += token.text;
      ids.push_back(token.token);
      if (token.finish_reason) ++finished;
    };
  }
};

class GeneratorGolden : public ::testing::TestWithParam<std::pair<std::string, std::string>> {};

TEST_P(GeneratorGolden, GreedyEqualsTransformers) {
  const TinyModel tiny(GetParam().first, GetParam().second);
  const Generator generator(tiny.model, tiny.tokenizer);
  for (const auto& prompt : tiny.golden["prompts"]) {
    const auto expected = prompt["greedy_ids"].get<std::vector<int32_t>>();
    ASSERT_EQ(expected.size(), 64u);
    Stream stream;
    const GenerationResult result =
        generator.generate(greedy_request(prompt["ids"].get<std::vector<int32_t>>(), 64), stream.callback());
    EXPECT_EQ(result.ids, expected) << "prompt " << prompt["name"];
    EXPECT_EQ(result.finish_reason, FinishReason::length);
    EXPECT_EQ(result.prompt_tokens, int64_t(prompt["ids"].size()));
    EXPECT_EQ(result.completion_tokens, 64);
    EXPECT_EQ(result.text, tiny.tokenizer.decode(expected, /*skip_special_tokens=*/true));
    EXPECT_EQ(stream.text, result.text);
    EXPECT_EQ(stream.ids, result.ids);
    EXPECT_EQ(stream.finished, 1);
    EXPECT_EQ(result.timings.prefill_tokens, result.prompt_tokens);
    EXPECT_EQ(result.timings.decode_tokens, 63);
    EXPECT_TRUE(result.logprobs.empty());
  }
}

INSTANTIATE_TEST_SUITE_P(TinyModels, GeneratorGolden,
                         ::testing::Values(std::pair{"llama-gqa", "tf5"}, std::pair{"qwen2-bias", "tf4"},
                                           std::pair{"mistral-sliding", "tf5"}),
                         [](const auto& info) {
                           std::string name = info.param.first + "_" + info.param.second;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Generator, ChunkedPrefillGivesTheSameTokens) {
  const TinyModel tiny("llama-gqa", "tf5");
  const auto& prompt = tiny.prompt("long");
  const auto ids = prompt["ids"].get<std::vector<int32_t>>();
  ASSERT_GT(ids.size(), 100u);
  for (const int chunk : {1, 7, 64}) {
    const Generator generator(tiny.model, tiny.tokenizer, {.prefill_chunk_tokens = chunk});
    EXPECT_EQ(generator.generate(greedy_request(ids, 64)).ids,
              prompt["greedy_ids"].get<std::vector<int32_t>>())
        << "chunks of " << chunk;
  }
}

TEST(Generator, SameSeedSameTokens) {
  const TinyModel tiny("llama-gqa", "tf5");
  const Generator generator(tiny.model, tiny.tokenizer);
  GenerationRequest request = greedy_request(tiny.prompt("sentence")["ids"].get<std::vector<int32_t>>(), 48);
  request.sampling.temperature = 1.5f;
  request.sampling.top_k = 40;
  request.sampling.seed = 1234;
  const GenerationResult first = generator.generate(request);
  const GenerationResult second = generator.generate(request);
  EXPECT_EQ(first.ids, second.ids);
  EXPECT_EQ(first.text, second.text);
  EXPECT_NE(first.ids, tiny.prompt("sentence")["greedy_ids"].get<std::vector<int32_t>>());
  request.sampling.seed = 4321;
  EXPECT_NE(generator.generate(request).ids, first.ids);
}

TEST(Generator, StopStringTruncatesTheText) {
  const TinyModel tiny("llama-gqa", "tf5");
  const Generator generator(tiny.model, tiny.tokenizer);
  const auto prompt = tiny.prompt("sentence")["ids"].get<std::vector<int32_t>>();
  const GenerationResult full = generator.generate(greedy_request(prompt, 64));
  ASSERT_GT(full.text.size(), 40u);
  // A stop string from the middle of the greedy text, three bytes at a character boundary.
  size_t at = 20;
  while (at < full.text.size() && (static_cast<unsigned char>(full.text[at]) & 0xC0) == 0x80) ++at;
  const std::string stop = full.text.substr(at, 3);
  const size_t cut = full.text.find(stop);

  GenerationRequest request = greedy_request(prompt, 64);
  request.stop.stop_strings = {stop};
  Stream stream;
  const GenerationResult result = generator.generate(request, stream.callback());
  EXPECT_EQ(result.finish_reason, FinishReason::stop);
  EXPECT_EQ(result.text, full.text.substr(0, cut)) << "stop " << nlohmann::json(stop).dump();
  EXPECT_EQ(stream.text, result.text);
  ASSERT_LT(result.ids.size(), full.ids.size());
  EXPECT_EQ(result.ids,
            std::vector<int32_t>(full.ids.begin(), full.ids.begin() + std::ptrdiff_t(result.ids.size())));
  // The last id is the one that completed the stop string.
  EXPECT_NE(tiny.tokenizer.decode(result.ids, true).find(stop), std::string::npos);
  const std::vector<int32_t> before(result.ids.begin(), result.ids.end() - 1);
  EXPECT_EQ(tiny.tokenizer.decode(before, true).find(stop), std::string::npos);
}

TEST(Generator, StopTokenEndsTheSequenceWithoutItsText) {
  const TinyModel tiny("llama-gqa", "tf5");
  const Generator generator(tiny.model, tiny.tokenizer);
  const auto& prompt = tiny.prompt("short");
  const auto greedy = prompt["greedy_ids"].get<std::vector<int32_t>>();
  const int32_t stop_id = greedy[10];
  const size_t first = size_t(std::find(greedy.begin(), greedy.end(), stop_id) - greedy.begin());

  GenerationRequest request = greedy_request(prompt["ids"].get<std::vector<int32_t>>(), 64);
  request.stop.stop_token_ids = {stop_id};
  const GenerationResult result = generator.generate(request);
  EXPECT_EQ(result.finish_reason, FinishReason::stop);
  ASSERT_EQ(result.ids.size(), first + 1);
  EXPECT_EQ(result.ids.back(), stop_id);
  EXPECT_EQ(result.completion_tokens, int64_t(first + 1));
  const std::vector<int32_t> before(greedy.begin(), greedy.begin() + std::ptrdiff_t(first));
  EXPECT_EQ(result.text, tiny.tokenizer.decode(before, true));

  // On the last allowed token a stop token is still "stop".
  request.stop.max_tokens = int64_t(first + 1);
  EXPECT_EQ(generator.generate(request).finish_reason, FinishReason::stop);
}

TEST(Generator, MaxTokensEndsWithLength) {
  const TinyModel tiny("llama-gqa", "tf5");
  const Generator generator(tiny.model, tiny.tokenizer);
  const auto& prompt = tiny.prompt("short");
  for (const int64_t n : {1, 5}) {
    const GenerationResult result =
        generator.generate(greedy_request(prompt["ids"].get<std::vector<int32_t>>(), n));
    EXPECT_EQ(result.finish_reason, FinishReason::length);
    ASSERT_EQ(result.ids.size(), size_t(n));
    const auto greedy = prompt["greedy_ids"].get<std::vector<int32_t>>();
    EXPECT_EQ(result.ids, std::vector<int32_t>(greedy.begin(), greedy.begin() + n));
    EXPECT_EQ(result.text, tiny.tokenizer.decode(result.ids, true));
    EXPECT_EQ(result.timings.decode_tokens, n - 1);
  }
}

TEST(Generator, LogprobsPerToken) {
  const TinyModel tiny("llama-gqa", "tf5");
  const Generator generator(tiny.model, tiny.tokenizer);
  GenerationRequest request = greedy_request(tiny.prompt("short")["ids"].get<std::vector<int32_t>>(), 8);
  request.sampling.logprobs = 3;
  Stream stream;
  int with_logprobs = 0;
  const GenerationResult result = generator.generate(request, [&](const GeneratedToken& token) {
    if (token.sampled && token.sampled->token == token.token) ++with_logprobs;
  });
  EXPECT_EQ(with_logprobs, 8);
  ASSERT_EQ(result.logprobs.size(), result.ids.size());
  for (size_t i = 0; i < result.ids.size(); ++i) {
    const SampledToken& sampled = result.logprobs[i];
    EXPECT_EQ(sampled.token, result.ids[i]);
    ASSERT_TRUE(sampled.logprob.has_value());
    EXPECT_LE(*sampled.logprob, 0.f);
    ASSERT_EQ(sampled.top_logprobs.size(), 3u);
    EXPECT_EQ(sampled.top_logprobs[0].token, result.ids[i]);  // greedy picks the most likely
  }
}

TEST(Generator, RejectsBadRequests) {
  const TinyModel tiny("llama-gqa", "tf5");
  const Generator generator(tiny.model, tiny.tokenizer);
  ASSERT_EQ(generator.max_model_len(), 256);
  expect_error([&] { generator.generate(greedy_request({}, 4)); }, ErrorKind::invalid_input,
               "prompt is empty");
  expect_error(
      [&] {
        generator.generate(greedy_request({1, 512}, 4));
      },
      ErrorKind::invalid_input, "prompt token 1 (id 512) is not in the vocabulary (size 512)");
  expect_error([&] { generator.generate(greedy_request({1, -3}, 4)); }, ErrorKind::invalid_input, "id -3");
  expect_error([&] { generator.generate(greedy_request(std::vector<int32_t>(200, 5), 57)); },
               ErrorKind::invalid_input, "maximum context length is 256 tokens, but 257 were requested");
  EXPECT_EQ(generator.generate(greedy_request(std::vector<int32_t>(200, 5), 56)).ids.size(), 56u);
  expect_error(
      [&] {
        generator.generate(greedy_request({1, 2}, 0));
      },
      ErrorKind::invalid_input, "max_tokens");
  GenerationRequest no_limit = greedy_request({1, 2}, 4);
  no_limit.stop.max_tokens.reset();
  expect_error([&] { generator.generate(no_limit); }, ErrorKind::invalid_input, "max_tokens is required");
  GenerationRequest bad_sampling = greedy_request({1, 2}, 4);
  bad_sampling.sampling.top_p = 0;
  expect_error([&] { generator.generate(bad_sampling); }, ErrorKind::invalid_input, "top_p");
}

TEST(Generator, DefaultsFromTheModelDirectory) {
  const TinyModel tiny("llama-gqa", "tf5");
  EXPECT_EQ(default_stop_token_ids(tiny.model), std::vector<int32_t>{0});
  const SamplingParams params = default_sampling_params(tiny.model);
  EXPECT_TRUE(params.greedy());  // no do_sample in generation_config.json
  EXPECT_EQ(params.repetition_penalty, 1.f);
}

}  // namespace
}  // namespace chunkwise::generate
