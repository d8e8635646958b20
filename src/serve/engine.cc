#include "serve/engine.h"

#include <algorithm>

#include "common/error.h"
#include "model/forward_batch.h"

namespace chunkwise::serve {

namespace {

// Buckets of the latency histograms, in seconds (vLLM's, shortened).
const std::vector<double> kFirstTokenBounds = {0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60};
const std::vector<double> kBetweenTokenBounds = {0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 1, 2.5, 5};

double seconds_between(Clock::time_point from, Clock::time_point to) {
  return std::chrono::duration<double>(to - from).count();
}

int resolve_num_blocks(const model::DecoderModel& model, const EngineOptions& options) {
  if (options.block_size < 1) fail(ErrorKind::invalid_input, "KV block size must be >= 1");
  if (options.num_blocks > 0) return options.num_blocks;
  const runtime::KvCacheShape one = model.kv_cache_shape(1, options.block_size);
  const int64_t block_bytes =
      int64_t(one.num_layers) * 2 * one.block_size * one.kv_heads * one.head_dim * int64_t(sizeof(float));
  const int64_t blocks = options.kv_cache_bytes / std::max<int64_t>(block_bytes, 1);
  if (blocks < 1)
    fail(ErrorKind::invalid_input, "a KV cache of {} bytes holds no block of {} bytes",
         options.kv_cache_bytes, block_bytes);
  // No more than every sequence at the full context needs.
  const int64_t context_blocks =
      (model.config().max_position_embeddings + options.block_size - 1) / options.block_size;
  return int(std::min<int64_t>({blocks, context_blocks * options.scheduler.max_num_seqs, INT32_MAX}));
}

const model::DecoderModel& generating(const model::DecoderModel& model) {
  if (!model.has_lm_head())
    fail(ErrorKind::invalid_input, "{}: the model has no LM head and cannot generate text",
         model.directory().path.string());
  return model;
}

}  // namespace

Engine::Engine(const model::DecoderModel& model, const text::Tokenizer& tokenizer,
               const EngineOptions& options)
    : model_(&generating(model)),
      tokenizer_(&tokenizer),
      options_(options),
      cache_(model.kv_cache_shape(resolve_num_blocks(model, options), options.block_size)),
      pool_(cache_.shape().num_blocks, options.block_size, options.prefix_caching),
      scheduler_(options.scheduler, pool_),
      ttft_(kFirstTokenBounds),
      tbt_(kBetweenTokenBounds) {
  options_.num_blocks = cache_.shape().num_blocks;
  update_counters();
}

Engine::~Engine() {
  stop();
  fail_all("the server is shutting down");
}

int64_t Engine::max_request_tokens() const {
  return std::min<int64_t>(model_->config().max_position_embeddings,
                           int64_t(pool_.num_blocks()) * pool_.block_size());
}

RequestHandle Engine::submit(EngineRequest request, OutputSink sink) {
  request.sampling.validate();
  request.stop.validate();
  if (request.prompt.empty()) fail(ErrorKind::invalid_input, "the prompt is empty: give at least one token");
  const int64_t vocab = model_->config().vocab_size;
  for (size_t i = 0; i < request.prompt.size(); ++i)
    if (request.prompt[i] < 0 || request.prompt[i] >= vocab)
      fail(ErrorKind::invalid_input, "prompt token {} (id {}) is not in the vocabulary (size {})", i,
           request.prompt[i], vocab);
  if (!request.stop.max_tokens) fail(ErrorKind::invalid_input, "max_tokens is required");
  const auto prompt_tokens = int64_t(request.prompt.size());
  const int64_t limit = max_request_tokens();
  if (prompt_tokens + *request.stop.max_tokens > limit)
    fail(ErrorKind::invalid_input,
         "this model's maximum context length is {} tokens, but {} were requested ({} in the prompt, {} "
         "max_tokens): shorten the prompt or lower max_tokens",
         limit, prompt_tokens + *request.stop.max_tokens, prompt_tokens, *request.stop.max_tokens);
  std::unique_lock lock(mutex_);
  auto sequence = std::make_unique<Sequence>(next_id_++, std::move(request), *tokenizer_, std::move(sink));
  RequestHandle handle(sequence->cancelled);
  incoming_.push_back(std::move(sequence));
  lock.unlock();
  wake_.notify_one();
  return handle;
}

void Engine::start() {
  std::lock_guard lock(mutex_);
  if (thread_.joinable()) return;
  stopping_ = false;
  thread_ = std::thread([this] { run_loop(); });
}

void Engine::stop() {
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void Engine::run_loop() {
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      // Sleeps when there is nothing to run; wakes for new requests and every 100 ms to drop cancelled ones.
      if (scheduler_.running() == 0 && scheduler_.waiting() == 0)
        wake_.wait_for(lock, std::chrono::milliseconds(100), [&] { return stopping_ || !incoming_.empty(); });
      if (stopping_) return;
    }
    try {
      step();
    } catch (const std::exception& e) {  // a broken invariant: fail what is in flight, keep serving
      fail_all(std::string("internal error: ") + e.what());
    }
  }
}

void Engine::admit_incoming() {
  std::vector<std::unique_ptr<Sequence>> incoming;
  {
    std::lock_guard lock(mutex_);
    incoming.swap(incoming_);
  }
  for (auto& sequence : incoming) scheduler_.add(std::move(sequence));
}

void Engine::drop_cancelled() {
  for (Sequence* sequence : scheduler_.sequences()) {
    if (!sequence->cancelled->load()) continue;
    scheduler_.remove(sequence);
    ++cancelled_;
  }
}

void Engine::fail_all(const std::string& message) {
  admit_incoming();
  for (Sequence* sequence : scheduler_.sequences()) {
    SequenceOutput output;
    output.error = message;
    output.prompt_tokens = sequence->prompt_tokens;
    if (sequence->sink) sequence->sink(output);
    scheduler_.remove(sequence);
    ++failed_;
  }
  update_counters();
}

void Engine::publish_full_blocks(Sequence& sequence) {
  const int block_size = pool_.block_size();
  for (size_t i = sequence.block_keys.size(); int64_t(i + 1) * block_size <= sequence.computed; ++i) {
    const uint64_t parent = sequence.block_keys.empty() ? 0 : sequence.block_keys.back();
    const std::span<const int32_t> tokens(sequence.tokens.data() + i * size_t(block_size),
                                          size_t(block_size));
    sequence.block_keys.push_back(pool_.publish(sequence.blocks[i], parent, tokens));
  }
}

void Engine::sample(Sequence& sequence, std::span<const float> logits,
                    std::vector<const Sequence*>& finished) {
  generate::SampledToken sampled = sequence.sampler.sample(logits, sequence.history);
  const int32_t token = sampled.token;
  sequence.history.add_generated(token);
  sequence.tokens.push_back(token);
  ++generation_tokens_;

  generate::StopStep step;
  if (std::ranges::find(sequence.stop_token_ids, token) != sequence.stop_token_ids.end()) {
    // The stop token's own text is dropped; text still pending in the decoder is final now.
    step = sequence.stop.push(token, sequence.decoder.flush());
    if (!step.finish_reason) step.text += sequence.stop.flush();
    step.finish_reason = generate::FinishReason::stop;
  } else {
    std::string piece = sequence.decoder.step(token);
    if (sequence.completion_tokens() == sequence.max_tokens) piece += sequence.decoder.flush();
    step = sequence.stop.push(token, piece);
  }

  const Clock::time_point now = Clock::now();
  if (sequence.last_token_at)
    tbt_.observe(seconds_between(*sequence.last_token_at, now));
  else
    ttft_.observe(seconds_between(sequence.arrival, now));
  sequence.last_token_at = now;

  SequenceOutput output;
  output.text = std::move(step.text);
  output.tokens = {token};
  if (sequence.want_logprobs) output.logprobs.push_back(std::move(sampled));
  output.finish_reason = step.finish_reason;
  output.prompt_tokens = sequence.prompt_tokens;
  output.completion_tokens = sequence.completion_tokens();
  output.cached_tokens = sequence.cached_tokens.value_or(0);
  if (sequence.sink) sequence.sink(output);
  if (step.finish_reason) finished.push_back(&sequence);
}

bool Engine::step() {
  admit_incoming();
  drop_cancelled();
  const std::vector<ScheduledChunk> plan = scheduler_.schedule();
  if (plan.empty()) {
    update_counters();
    return false;
  }
  ++steps_;

  model::ForwardBatch batch;
  for (size_t s = 0; s < plan.size(); ++s) {
    const ScheduledChunk& chunk = plan[s];
    const Sequence& sequence = *chunk.sequence;
    for (int64_t t = chunk.begin; t < chunk.begin + chunk.count; ++t) {
      batch.tokens.push_back(sequence.tokens[size_t(t)]);
      batch.attention.token_sequence.push_back(int32_t(s));
      batch.attention.token_position.push_back(int32_t(t));
    }
    batch.attention.block_tables.push_back(sequence.blocks);
    if (chunk.samples) batch.output_rows.push_back(int32_t(batch.tokens.size()) - 1);
    if (sequence.finished_prefill()) continue;
    prompt_tokens_ += std::min(chunk.begin + chunk.count, sequence.prompt_tokens) - chunk.begin;
  }

  std::vector<float> logits;
  try {
    if (batch.output_rows.empty()) {
      batch.output_rows = {int32_t(batch.tokens.size()) - 1};  // keys and values only
      model_->hidden_states(batch, cache_);
      batch.output_rows.clear();
    } else {
      logits = runtime::to_host_floats(model_->logits(batch, cache_));
    }
  } catch (const std::exception& e) {
    for (const ScheduledChunk& chunk : plan) {
      SequenceOutput output;
      output.error = std::string("the forward pass failed: ") + e.what();
      output.prompt_tokens = chunk.sequence->prompt_tokens;
      if (chunk.sequence->sink) chunk.sequence->sink(output);
      scheduler_.remove(chunk.sequence);
      ++failed_;
    }
    update_counters();
    return true;
  }

  const auto vocab = size_t(model_->config().vocab_size);
  std::vector<const Sequence*> finished;
  size_t row = 0;
  for (const ScheduledChunk& chunk : plan) {
    Sequence& sequence = *chunk.sequence;
    sequence.computed += chunk.count;
    publish_full_blocks(sequence);
    if (!chunk.samples) continue;
    sample(sequence, std::span<const float>(logits.data() + row * vocab, vocab), finished);
    ++row;
  }
  for (const Sequence* sequence : finished) {
    scheduler_.remove(sequence);
    ++finished_;
  }
  update_counters();
  return true;
}

void Engine::update_counters() {
  EngineCounters c;
  c.running = int64_t(scheduler_.running());
  c.waiting = int64_t(scheduler_.waiting());
  {
    std::lock_guard lock(mutex_);
    c.waiting += int64_t(incoming_.size());
  }
  c.kv_blocks_used = pool_.used_blocks();
  c.kv_blocks_total = pool_.num_blocks();
  c.prefix_cache_queries = pool_.stats().queries;
  c.prefix_cache_hits = pool_.stats().hits;
  c.prompt_tokens = prompt_tokens_;
  c.generation_tokens = generation_tokens_;
  c.requests_finished = finished_;
  c.requests_cancelled = cancelled_;
  c.requests_failed = failed_;
  c.preemptions = scheduler_.preemptions();
  c.steps = steps_;
  std::lock_guard lock(counters_mutex_);
  counters_ = c;
}

EngineCounters Engine::counters() const {
  std::lock_guard lock(counters_mutex_);
  return counters_;
}

}  // namespace chunkwise::serve
