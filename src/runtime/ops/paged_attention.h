// Causal attention over a paged KV cache for a batch mixing prefill chunks and decode steps.
// For each token t of the batch: sequence s = token_sequence[t], position p = token_position[t]. First the
// new keys/values of every token are written into their slots (block_tables[s][p / block_size], p %
// block_size), then each query attends to all cached positions of its sequence in [max(0, p - window + 1),
// p]: earlier steps' tokens and the batch's own tokens up to itself. Grouped-query: query head h reads kv
// head h / (heads / kv_heads).
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "runtime/kv_cache.h"
#include "runtime/tensor.h"

namespace chunkwise::runtime {

struct AttentionBatch {
  std::vector<int32_t> token_sequence;   // [T]: index into block_tables
  std::vector<int32_t> token_position;   // [T]: absolute position in its sequence
  std::vector<BlockTable> block_tables;  // per sequence: must cover every position it attends to
};

struct AttentionOptions {
  float scale = 0;         // 0 → 1 / sqrt(head_dim)
  int sliding_window = 0;  // 0 → none; else attend to positions > p - sliding_window (Mistral)
};

// q f32 [T, heads * head_dim] (or [T, heads, head_dim]), k and v f32 [T, kv_heads * head_dim] (or 3-D), with
// head_dim and kv_heads those of the cache. Returns f32 [T, heads * head_dim].
Tensor paged_attention(const Tensor& q, const Tensor& k, const Tensor& v, KvCache& cache, int layer,
                       const AttentionBatch& batch, const AttentionOptions& options = {},
                       std::string_view name = {});

}  // namespace chunkwise::runtime
