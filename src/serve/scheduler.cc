#include "serve/scheduler.h"

#include <algorithm>

#include "common/error.h"

namespace chunkwise::serve {

Scheduler::Scheduler(const SchedulerOptions& options, BlockPool& pool) : options_(options), pool_(&pool) {
  if (options.max_num_seqs < 1) fail(ErrorKind::invalid_input, "max_num_seqs must be >= 1");
  if (options.max_batched_tokens < 1) fail(ErrorKind::invalid_input, "max_batched_tokens must be >= 1");
}

void Scheduler::add(std::unique_ptr<Sequence> sequence) {
  waiting_.push_back(std::move(sequence));
}

std::vector<Sequence*> Scheduler::sequences() const {
  std::vector<Sequence*> all;
  for (const auto& s : running_) all.push_back(s.get());
  for (const auto& s : waiting_) all.push_back(s.get());
  return all;
}

bool Scheduler::grow_blocks(Sequence& sequence, int64_t tokens) {
  const int64_t needed = (tokens + pool_->block_size() - 1) / pool_->block_size();
  while (int64_t(sequence.blocks.size()) < needed) {
    const std::optional<int32_t> block = pool_->allocate();
    if (!block) return false;
    sequence.blocks.push_back(*block);
  }
  return true;
}

void Scheduler::release_blocks(Sequence& sequence) {
  for (int32_t block : sequence.blocks) pool_->release(block);
  sequence.blocks.clear();
  sequence.block_keys.clear();
  sequence.computed = 0;
}

void Scheduler::preempt_newest() {
  std::unique_ptr<Sequence> victim = std::move(running_.back());
  running_.pop_back();
  release_blocks(*victim);
  ++victim->preemptions;
  ++preemptions_;
  waiting_.push_front(std::move(victim));
}

void Scheduler::remove(const Sequence* sequence) {
  auto matches = [&](const std::unique_ptr<Sequence>& s) { return s.get() == sequence; };
  if (auto it = std::ranges::find_if(running_, matches); it != running_.end()) {
    release_blocks(**it);
    running_.erase(it);
  } else if (auto w = std::ranges::find_if(waiting_, matches); w != waiting_.end()) {
    release_blocks(**w);
    waiting_.erase(w);
  }
}

std::vector<ScheduledChunk> Scheduler::schedule() {
  std::vector<ScheduledChunk> plan;
  int64_t budget = options_.max_batched_tokens;
  bool preempted = false;

  // How many of `sequence`'s uncomputed tokens this pass takes; 0: none (no budget, or a whole prompt that
  // does not fit with chunking off).
  auto tokens_for = [&](const Sequence& sequence) -> int64_t {
    const int64_t remaining = int64_t(sequence.tokens.size()) - sequence.computed;
    if (remaining <= budget) return remaining;
    if (options_.chunked_prefill) return budget;
    return plan.empty() ? remaining : 0;  // a prompt over the budget runs alone
  };
  auto add = [&](Sequence& sequence, int64_t count) {
    plan.push_back(
        {&sequence, sequence.computed, count, sequence.computed + count == int64_t(sequence.tokens.size())});
    budget -= count;
  };

  auto schedule_running = [&] {
    for (size_t i = 0; i < running_.size() && budget > 0; ++i) {
      Sequence& sequence = *running_[i];
      const int64_t count = tokens_for(sequence);
      if (count == 0) continue;
      bool fits = grow_blocks(sequence, sequence.computed + count);
      while (!fits && running_.size() > i + 1) {
        preempt_newest();
        preempted = true;
        fits = grow_blocks(sequence, sequence.computed + count);
      }
      if (!fits) {  // this is the newest one left: it waits for the others to finish
        preempt_newest();
        preempted = true;
        break;
      }
      add(sequence, count);
    }
  };

  auto admit_waiting = [&] {
    while (!waiting_.empty() && budget > 0 && running_.size() < size_t(options_.max_num_seqs)) {
      Sequence& sequence = *waiting_.front();
      if (sequence.blocks.empty()) {
        // At least the last token is computed here: its logits choose the next one.
        const int max_blocks = int((int64_t(sequence.tokens.size()) - 1) / pool_->block_size());
        sequence.blocks = pool_->acquire_prefix(sequence.tokens, max_blocks, sequence.block_keys);
        sequence.computed = int64_t(sequence.blocks.size()) * pool_->block_size();
        if (!sequence.cached_tokens)
          sequence.cached_tokens = std::min(sequence.computed, sequence.prompt_tokens);
      }
      const int64_t count = tokens_for(sequence);
      if (count == 0 || !grow_blocks(sequence, sequence.computed + count)) {
        release_blocks(sequence);
        break;
      }
      add(sequence, count);
      running_.push_back(std::move(waiting_.front()));
      waiting_.pop_front();
    }
  };

  if (options_.chunked_prefill) {
    // Decode-maximal batching (Sarathi-Serve): every running sequence's next token or prompt chunk, then new
    // prompts in the budget that is left.
    schedule_running();
    if (!preempted) admit_waiting();
  } else {
    // Without chunking (vLLM's classic policy): a step of whole new prompts whenever one can start, decodes
    // only in steps without one; running decodes pause while a prompt is prefilled.
    admit_waiting();
    if (plan.empty()) schedule_running();
  }
  return plan;
}

}  // namespace chunkwise::serve
