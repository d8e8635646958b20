// The serving engine: many requests over one model, one forward pass per iteration. Clients submit requests
// from any thread; a single engine thread schedules (scheduler.h), runs the model over a paged KV cache
// (block_pool.h) and hands each request's new text to its sink. Backend-agnostic: it only sees DecoderModel
// and KvCache.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "model/decoder_model.h"
#include "serve/block_pool.h"
#include "serve/latency_histogram.h"
#include "serve/scheduler.h"
#include "serve/sequence.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::serve {

struct EngineOptions {
  SchedulerOptions scheduler;
  int block_size = 16;
  int num_blocks = 0;  // 0: as many as kv_cache_bytes holds
  int64_t kv_cache_bytes = int64_t(1) << 30;
  bool prefix_caching = true;
};

struct EngineCounters {
  int64_t running = 0;
  int64_t waiting = 0;
  int64_t kv_blocks_used = 0;
  int64_t kv_blocks_total = 0;
  int64_t prefix_cache_queries = 0;  // tokens
  int64_t prefix_cache_hits = 0;     // tokens
  int64_t prompt_tokens = 0;         // computed by forward passes (prefix-cache hits excluded)
  int64_t generation_tokens = 0;
  int64_t requests_finished = 0;
  int64_t requests_cancelled = 0;
  int64_t requests_failed = 0;
  int64_t preemptions = 0;
  int64_t steps = 0;
};

// Cancels the request it was returned for (from any thread): the engine drops it and frees its blocks
// before its next step. No output follows.
class RequestHandle {
 public:
  explicit RequestHandle(std::shared_ptr<std::atomic<bool>> flag) : flag_(std::move(flag)) {}
  void cancel() const { flag_->store(true); }

 private:
  std::shared_ptr<std::atomic<bool>> flag_;
};

class Engine {
 public:
  // Keeps references: `model` and `tokenizer` must outlive the engine. Error(invalid_input) for a model
  // without an LM head or options out of range.
  Engine(const model::DecoderModel& model, const text::Tokenizer& tokenizer, const EngineOptions& options);
  ~Engine();  // stops the loop; requests still queued get an error output

  // Checks the request (Error(invalid_input): empty prompt, id outside the vocabulary, prompt + max_tokens
  // over max_request_tokens(), bad sampling parameters) and queues it. `sink` is called on the engine thread
  // after every step that generated text for it; the last call carries finish_reason or error.
  RequestHandle submit(EngineRequest request, OutputSink sink);

  // Runs the engine on its own thread until stop() (or destruction).
  void start();
  void stop();
  // One iteration on the calling thread (for tests; not while start()ed). False when there was nothing to do.
  bool step();

  // The longest prompt + max_tokens a request may have: the model's context, and what the KV cache holds.
  int64_t max_request_tokens() const;
  const model::DecoderModel& model() const { return *model_; }
  const text::Tokenizer& tokenizer() const { return *tokenizer_; }
  const EngineOptions& options() const { return options_; }

  EngineCounters counters() const;
  const LatencyHistogram& time_to_first_token() const { return ttft_; }
  const LatencyHistogram& time_between_tokens() const { return tbt_; }

 private:
  void run_loop();
  void admit_incoming();
  void drop_cancelled();
  void sample(Sequence& sequence, std::span<const float> logits, std::vector<const Sequence*>& finished);
  void publish_full_blocks(Sequence& sequence);
  void fail_all(const std::string& message);
  void update_counters();

  const model::DecoderModel* model_;
  const text::Tokenizer* tokenizer_;
  EngineOptions options_;
  runtime::KvCache cache_;
  BlockPool pool_;
  Scheduler scheduler_;

  std::mutex mutex_;  // guards incoming_, next_id_, stopping_, counters_
  std::condition_variable wake_;
  std::vector<std::unique_ptr<Sequence>> incoming_;
  uint64_t next_id_ = 1;
  bool stopping_ = false;
  std::thread thread_;
  mutable std::mutex counters_mutex_;
  EngineCounters counters_;
  int64_t prompt_tokens_ = 0, generation_tokens_ = 0, finished_ = 0, cancelled_ = 0, failed_ = 0, steps_ = 0;
  LatencyHistogram ttft_;
  LatencyHistogram tbt_;
};

}  // namespace chunkwise::serve
