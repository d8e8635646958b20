// The serving engine against the one-request Generator: many requests batched together, with chunked prefill,
// prefix caching, a small token budget, few sequences at a time or a KV cache so small that sequences get
// preempted, produce exactly the tokens and text each request gets alone (greedy and seeded sampling).
// Also: cached_tokens of a repeated prompt, cancellation freeing blocks, refused requests.
#include "serve/engine.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "generate/generator.h"

namespace chunkwise::serve {
namespace {

namespace fs = std::filesystem;

const fs::path kModelDir = fs::path(CHUNKWISE_TEST_DATA) / "models" / "tiny-models" / "llama-gqa" / "tf5";
const fs::path kGolden =
    fs::path(CHUNKWISE_TEST_DATA) / "models" / "tiny-models" / "llama-gqa" / "golden" / "golden.json";

struct Fixture {
  model::DecoderModel model = model::DecoderModel::load(kModelDir);
  text::Tokenizer tokenizer = text::Tokenizer::load(kModelDir);
};

Fixture& fixture() {
  static Fixture f;
  return f;
}

// Prompts: the golden ones, and some sharing long prefixes (prefix caching), one of them twice.
std::vector<std::vector<int32_t>> test_prompts() {
  std::ifstream in(kGolden);
  const auto golden = nlohmann::json::parse(in);
  std::vector<std::vector<int32_t>> prompts;
  for (const auto& p : golden["prompts"]) prompts.push_back(p["ids"].get<std::vector<int32_t>>());
  const std::vector<int32_t> long_prompt = prompts.back();
  std::vector<int32_t> shared(long_prompt.begin(), long_prompt.begin() + 100);
  shared.insert(shared.end(), prompts[1].begin(), prompts[1].end());
  prompts.push_back(shared);
  prompts.push_back(long_prompt);
  prompts.emplace_back(long_prompt.begin(), long_prompt.begin() + 120);
  return prompts;
}

EngineRequest make_request(std::vector<int32_t> prompt, int64_t max_tokens, bool sampled) {
  EngineRequest request;
  request.prompt = std::move(prompt);
  request.stop.max_tokens = max_tokens;
  if (sampled) {
    request.sampling.temperature = 0.9f;
    request.sampling.top_p = 0.95f;
    request.sampling.seed = 1234;
  } else {
    request.sampling.temperature = 0;
  }
  return request;
}

struct Collected {
  std::string text;
  std::vector<int32_t> ids;
  std::optional<generate::FinishReason> finish;
  std::optional<std::string> error;
  int64_t cached_tokens = -1;
  int outputs_after_finish = 0;
};

OutputSink collect_into(Collected& c) {
  return [&c](const SequenceOutput& output) {
    if (c.finish || c.error) ++c.outputs_after_finish;
    c.text += output.text;
    c.ids.insert(c.ids.end(), output.tokens.begin(), output.tokens.end());
    if (output.finish_reason) c.finish = output.finish_reason;
    if (output.error) c.error = output.error;
    c.cached_tokens = output.cached_tokens;
  };
}

// Steps the engine until it has nothing left to do (bounded: a hang fails the test).
int run_to_completion(Engine& engine) {
  int steps = 0;
  while (engine.step()) {
    if (++steps > 100000) throw std::runtime_error("the engine does not finish");
  }
  return steps;
}

struct Config {
  std::string name;
  EngineOptions options;
};

std::vector<Config> configs() {
  std::vector<Config> all;
  auto add = [&](std::string name, auto change) {
    Config c{std::move(name), {}};
    c.options.num_blocks = 256;
    change(c.options);
    all.push_back(std::move(c));
  };
  add("default", [](EngineOptions&) {});
  add("budget_7_tokens", [](EngineOptions& o) { o.scheduler.max_batched_tokens = 7; });
  add("no_chunked_prefill", [](EngineOptions& o) {
    o.scheduler.chunked_prefill = false;
    o.scheduler.max_batched_tokens = 64;
  });
  add("no_prefix_caching", [](EngineOptions& o) { o.prefix_caching = false; });
  add("two_sequences", [](EngineOptions& o) { o.scheduler.max_num_seqs = 2; });
  add("block_size_1", [](EngineOptions& o) {
    o.block_size = 1;
    o.num_blocks = 4096;
  });
  // Room for the longest request and a bit: the others are preempted and recomputed.
  add("tiny_kv_cache", [](EngineOptions& o) {
    o.block_size = 8;
    o.num_blocks = (169 + 24) / 8 + 4;
  });
  return all;
}

TEST(Engine, BatchedOutputsEqualOneRequestAtATime) {
  Fixture& f = fixture();
  const generate::Generator generator(f.model, f.tokenizer);
  const auto prompts = test_prompts();
  const int64_t max_tokens = 24;
  std::vector<generate::GenerationResult> expected;
  for (size_t i = 0; i < prompts.size(); ++i) {
    generate::GenerationRequest request;
    const EngineRequest r = make_request(prompts[i], max_tokens, i % 3 == 2);
    request.prompt = r.prompt;
    request.sampling = r.sampling;
    request.stop = r.stop;
    expected.push_back(generator.generate(request));
  }
  for (const Config& config : configs()) {
    SCOPED_TRACE(config.name);
    Engine engine(f.model, f.tokenizer, config.options);
    std::vector<Collected> got(prompts.size());
    for (size_t i = 0; i < prompts.size(); ++i)
      engine.submit(make_request(prompts[i], max_tokens, i % 3 == 2), collect_into(got[i]));
    run_to_completion(engine);
    for (size_t i = 0; i < prompts.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "request " << i);
      EXPECT_EQ(got[i].ids, expected[i].ids);
      EXPECT_EQ(got[i].text, expected[i].text);
      EXPECT_EQ(got[i].finish, expected[i].finish_reason);
      EXPECT_FALSE(got[i].error.has_value());
      EXPECT_EQ(got[i].outputs_after_finish, 0);
    }
    const EngineCounters counters = engine.counters();
    EXPECT_EQ(counters.kv_blocks_used, 0);  // every block went back
    EXPECT_EQ(counters.running + counters.waiting, 0);
    EXPECT_EQ(counters.requests_finished, int64_t(prompts.size()));
    EXPECT_EQ(counters.generation_tokens, int64_t(prompts.size()) * max_tokens);
    if (config.name == "tiny_kv_cache") {
      EXPECT_GT(counters.preemptions, 0);
    }
    if (config.name == "no_prefix_caching") {
      EXPECT_EQ(counters.prefix_cache_hits, 0);
    }
    if (config.name == "default") {
      EXPECT_GT(counters.prefix_cache_hits, 0);
    }
  }
}

TEST(Engine, RepeatedPromptReportsCachedTokens) {
  Fixture& f = fixture();
  EngineOptions options;
  options.num_blocks = 64;
  Engine engine(f.model, f.tokenizer, options);
  const std::vector<int32_t> prompt = test_prompts()[3];  // 169 tokens
  Collected first, second;
  engine.submit(make_request(prompt, 4, false), collect_into(first));
  run_to_completion(engine);
  const int64_t computed_before = engine.counters().prompt_tokens;
  engine.submit(make_request(prompt, 4, false), collect_into(second));
  run_to_completion(engine);
  EXPECT_EQ(first.cached_tokens, 0);
  EXPECT_EQ(second.cached_tokens, 160);  // the full blocks of 16 before the last token
  EXPECT_EQ(engine.counters().prompt_tokens - computed_before, 169 - 160);
  EXPECT_EQ(second.ids, first.ids);
}

TEST(Engine, CancelledRequestsFreeTheirBlocksAndStopProducing) {
  Fixture& f = fixture();
  EngineOptions options;
  options.num_blocks = 64;
  options.prefix_caching = false;
  Engine engine(f.model, f.tokenizer, options);
  Collected kept, cancelled;
  engine.submit(make_request(test_prompts()[1], 16, false), collect_into(kept));
  const RequestHandle handle =
      engine.submit(make_request(test_prompts()[3], 80, false), collect_into(cancelled));
  for (int i = 0; i < 3; ++i) engine.step();
  EXPECT_GT(engine.counters().kv_blocks_used, 0);
  handle.cancel();
  const size_t seen = cancelled.ids.size();
  run_to_completion(engine);
  EXPECT_EQ(cancelled.ids.size(), seen);
  EXPECT_FALSE(cancelled.finish.has_value());
  EXPECT_EQ(kept.finish, generate::FinishReason::length);
  EXPECT_EQ(engine.counters().kv_blocks_used, 0);
  EXPECT_EQ(engine.counters().requests_cancelled, 1);
}

TEST(Engine, RefusesRequestsItCannotRun) {
  Fixture& f = fixture();
  EngineOptions options;
  options.num_blocks = 4;  // 64 positions
  Engine engine(f.model, f.tokenizer, options);
  EXPECT_EQ(engine.max_request_tokens(), 64);
  auto refused = [&](EngineRequest request) {
    try {
      engine.submit(std::move(request), {});
    } catch (const Error& e) {
      return e.kind() == ErrorKind::invalid_input;
    }
    return false;
  };
  EXPECT_TRUE(refused(make_request({}, 4, false)));
  EXPECT_TRUE(refused(make_request({1, 2, 3}, 62, false)));                // 65 > 64
  EXPECT_TRUE(refused(make_request({1, 2, int32_t(1) << 20}, 4, false)));  // not in the vocabulary
  EngineRequest no_max = make_request({1, 2}, 4, false);
  no_max.stop.max_tokens.reset();
  EXPECT_TRUE(refused(no_max));
  EngineRequest bad_sampling = make_request({1, 2}, 4, false);
  bad_sampling.sampling.top_p = 0;
  EXPECT_TRUE(refused(bad_sampling));
  EXPECT_FALSE(refused(make_request({1, 2, 3}, 61, false)));
}

TEST(Engine, ServesFromItsOwnThread) {
  Fixture& f = fixture();
  EngineOptions options;
  options.num_blocks = 64;
  Engine engine(f.model, f.tokenizer, options);
  engine.start();
  std::mutex mutex;
  std::condition_variable done;
  int finished = 0;
  std::vector<Collected> got(3);
  for (auto& c : got) {
    OutputSink inner = collect_into(c);
    engine.submit(make_request(test_prompts()[0], 8, false), [&, inner](const SequenceOutput& output) {
      std::lock_guard lock(mutex);
      inner(output);
      if (output.finish_reason || output.error) {
        ++finished;
        done.notify_all();
      }
    });
  }
  std::unique_lock lock(mutex);
  ASSERT_TRUE(done.wait_for(lock, std::chrono::seconds(60), [&] { return finished == 3; }));
  lock.unlock();
  engine.stop();
  EXPECT_EQ(got[0].ids, got[1].ids);
  EXPECT_EQ(got[0].ids.size(), 8u);
}

}  // namespace
}  // namespace chunkwise::serve
