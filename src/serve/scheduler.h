// Iteration-level scheduling (Orca, vLLM, Sarathi-Serve): before every forward pass, decide which tokens of
// which sequences it computes, within a token budget.
// With chunked prefill (the default; Sarathi-Serve's decode-maximal batching):
//   1. Running sequences first, oldest first: a decode step is one token; a sequence still in its prompt gets
//      the next chunk of it, as much as the budget has left.
//   2. Then waiting sequences, first come first served, while fewer than max_num_seqs run and budget is
//      left; each starts after the longest prefix the prefix cache holds.
// Without it (vLLM's classic policy, the baseline chunking is measured against): whole prompts of waiting
// sequences get a step of their own whenever one can start (the first even when longer than the budget),
// and running sequences decode only in steps without prompts.
// KV blocks are taken as the tokens need them. When none is left, the newest running sequence is preempted:
// its blocks go back (full ones stay in the prefix cache) and it waits at the front of the queue to recompute
// everything it had, prompt and generated tokens alike. The oldest sequence always fits (requests larger than
// the whole cache are refused at submit), so the engine never deadlocks.
#pragma once

#include <deque>
#include <memory>
#include <vector>

#include "serve/block_pool.h"
#include "serve/sequence.h"

namespace chunkwise::serve {

struct SchedulerOptions {
  int max_num_seqs = 16;         // sequences in one forward pass, at most
  int max_batched_tokens = 512;  // tokens in one forward pass (a prompt longer than this, with chunked
                                 // prefill off, runs alone)
  bool chunked_prefill = true;
};

struct ScheduledChunk {
  Sequence* sequence = nullptr;
  int64_t begin = 0;  // first token computed
  int64_t count = 0;
  bool samples = false;  // the chunk reaches the sequence's last token: its logits choose the next one
};

class Scheduler {
 public:
  Scheduler(const SchedulerOptions& options, BlockPool& pool);

  const SchedulerOptions& options() const { return options_; }
  void add(std::unique_ptr<Sequence> sequence);  // joins the waiting queue
  std::vector<ScheduledChunk> schedule();
  // Removes a running or waiting sequence and releases its blocks.
  void remove(const Sequence* sequence);

  size_t running() const { return running_.size(); }
  size_t waiting() const { return waiting_.size(); }
  int64_t preemptions() const { return preemptions_; }
  // Every sequence, running then waiting (e.g. to cancel them).
  std::vector<Sequence*> sequences() const;

 private:
  bool grow_blocks(Sequence& sequence, int64_t tokens);  // blocks for positions [0, tokens)
  void release_blocks(Sequence& sequence);
  void preempt_newest();

  SchedulerOptions options_;
  BlockPool* pool_;
  std::vector<std::unique_ptr<Sequence>> running_;  // oldest first
  std::deque<std::unique_ptr<Sequence>> waiting_;
  int64_t preemptions_ = 0;
};

}  // namespace chunkwise::serve
