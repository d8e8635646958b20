#include "generate/generator.h"

#include <algorithm>
#include <chrono>
#include <numeric>

#include "common/error.h"
#include "generate/token_history.h"
#include "model/forward_batch.h"
#include "runtime/kv_cache.h"

namespace chunkwise::generate {

namespace {

using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

double rate(int64_t tokens, double seconds) {
  return seconds > 0 ? double(tokens) / seconds : 0;
}

}  // namespace

double GenerationTimings::prefill_tokens_per_second() const {
  return rate(prefill_tokens, prefill_seconds);
}

double GenerationTimings::decode_tokens_per_second() const {
  return rate(decode_tokens, decode_seconds);
}

Generator::Generator(const model::DecoderModel& model, const text::Tokenizer& tokenizer,
                     GeneratorOptions options)
    : model_(&model), tokenizer_(&tokenizer), options_(options) {
  if (!model.has_lm_head())
    fail(ErrorKind::invalid_input, "{}: the model has no LM head and cannot generate text",
         model.directory().path.string());
  if (options_.prefill_chunk_tokens < 1)
    fail(ErrorKind::invalid_input, "prefill chunk must be >= 1 token, got {}", options_.prefill_chunk_tokens);
  if (options_.block_size < 1)
    fail(ErrorKind::invalid_input, "KV cache block size must be >= 1, got {}", options_.block_size);
}

int64_t Generator::max_model_len() const {
  return model_->config().max_position_embeddings;
}

void Generator::check_request(const GenerationRequest& request) const {
  request.sampling.validate();
  request.stop.validate();
  if (request.prompt.empty()) fail(ErrorKind::invalid_input, "the prompt is empty: give at least one token");
  const int64_t vocab = model_->config().vocab_size;
  for (size_t i = 0; i < request.prompt.size(); ++i) {
    if (request.prompt[i] < 0 || request.prompt[i] >= vocab)
      fail(ErrorKind::invalid_input, "prompt token {} (id {}) is not in the vocabulary (size {})", i,
           request.prompt[i], vocab);
  }
  if (!request.stop.max_tokens)
    fail(ErrorKind::invalid_input, "max_tokens is required (it sizes the KV cache)");
  const auto prompt_tokens = int64_t(request.prompt.size());
  const int64_t max_tokens = *request.stop.max_tokens;
  const int64_t limit = max_model_len();
  if (prompt_tokens + max_tokens > limit) {
    fail(ErrorKind::invalid_input,
         "this model's maximum context length is {} tokens, but {} were requested ({} in the prompt, {} "
         "max_tokens): shorten the prompt or lower max_tokens",
         limit, prompt_tokens + max_tokens, prompt_tokens, max_tokens);
  }
}

GenerationResult Generator::generate(const GenerationRequest& request, const TokenCallback& on_token) const {
  check_request(request);
  const auto prompt_tokens = int64_t(request.prompt.size());
  const int64_t max_tokens = *request.stop.max_tokens;

  Sampler sampler(request.sampling);
  // Stop token ids are handled here: the StreamDecoder may still hold text of earlier tokens when one comes
  // (see StreamDecoder::step), and that text must go through the stop strings before the sequence ends.
  StopConditions strings_and_length = request.stop;
  strings_and_length.stop_token_ids.clear();
  StopChecker checker(std::move(strings_and_length));
  const std::vector<int32_t>& stop_ids = request.stop.stop_token_ids;
  text::StreamDecoder decoder(*tokenizer_, request.skip_special_tokens);
  TokenHistory history(request.prompt);

  // One sequence in a cache of its own, sized for every position it can reach.
  const int64_t capacity = prompt_tokens + max_tokens;
  const auto num_blocks = int((capacity + options_.block_size - 1) / options_.block_size);
  runtime::KvCache cache(model_->kv_cache_shape(num_blocks, options_.block_size));
  runtime::BlockTable blocks(size_t(num_blocks), 0);
  std::iota(blocks.begin(), blocks.end(), 0);

  GenerationResult result;
  result.prompt_tokens = prompt_tokens;

  // Prefill in chunks; only the last one needs logits (the others write the cache).
  auto start = Clock::now();
  std::vector<float> logits;
  for (int64_t begin = 0; begin < prompt_tokens; begin += options_.prefill_chunk_tokens) {
    const int64_t end = std::min(prompt_tokens, begin + options_.prefill_chunk_tokens);
    std::vector<int32_t> chunk(request.prompt.begin() + begin, request.prompt.begin() + end);
    const auto batch = model::ForwardBatch::for_sequence(std::move(chunk), int32_t(begin), blocks, true);
    if (end < prompt_tokens) {
      model_->hidden_states(batch, cache);
    } else {
      logits = runtime::to_host_floats(model_->logits(batch, cache));
    }
  }
  result.timings.prefill_tokens = prompt_tokens;
  result.timings.prefill_seconds = seconds_since(start);

  start = Clock::now();
  auto position = int32_t(prompt_tokens);
  const bool want_logprobs = request.sampling.logprobs.has_value();
  for (;;) {
    SampledToken sampled = sampler.sample(logits, history);
    const int32_t token = sampled.token;
    history.add_generated(token);
    result.ids.push_back(token);

    StopStep step;
    if (std::ranges::find(stop_ids, token) != stop_ids.end()) {
      // The stop token's own text is dropped; text still pending in the decoder is final now.
      step = checker.push(token, decoder.flush());
      if (!step.finish_reason) step.text += checker.flush();
      step.finish_reason = FinishReason::stop;
    } else {
      std::string piece = decoder.step(token);
      if (int64_t(result.ids.size()) == max_tokens) piece += decoder.flush();
      step = checker.push(token, piece);
    }
    result.text += step.text;
    if (want_logprobs) result.logprobs.push_back(sampled);
    if (on_token) {
      on_token(GeneratedToken{.token = token,
                              .text = step.text,
                              .sampled = want_logprobs ? &result.logprobs.back() : nullptr,
                              .finish_reason = step.finish_reason});
    }
    if (step.finish_reason) {
      result.finish_reason = *step.finish_reason;
      break;
    }
    const auto batch = model::ForwardBatch::for_sequence({token}, position, blocks, true);
    logits = runtime::to_host_floats(model_->logits(batch, cache));
    ++position;
    ++result.timings.decode_tokens;
  }
  result.timings.decode_seconds = seconds_since(start);
  result.completion_tokens = int64_t(result.ids.size());
  return result;
}

std::vector<int32_t> default_stop_token_ids(const model::DecoderModel& model) {
  const auto& generation = model.directory().generation;
  const std::vector<int64_t>& ids = generation && !generation->eos_token_ids.empty()
                                        ? generation->eos_token_ids
                                        : model.config().eos_token_ids;
  std::vector<int32_t> stop;
  for (const int64_t id : ids) {
    if (id >= 0 && id < model.config().vocab_size && std::ranges::find(stop, int32_t(id)) == stop.end())
      stop.push_back(int32_t(id));
  }
  return stop;
}

SamplingParams default_sampling_params(const model::DecoderModel& model) {
  SamplingParams params;
  params.temperature = 0;
  const auto& generation = model.directory().generation;
  if (!generation) return params;
  if (generation->repetition_penalty) params.repetition_penalty = float(*generation->repetition_penalty);
  if (!generation->do_sample.value_or(false)) return params;
  params.temperature = float(generation->temperature.value_or(1.0));
  if (generation->top_k) params.top_k = int(*generation->top_k);
  if (generation->top_p) params.top_p = float(*generation->top_p);
  if (generation->min_p) params.min_p = float(*generation->min_p);
  return params;
}

}  // namespace chunkwise::generate
