// Bidirectional (non-causal) attention without a KV cache, for encoders: a packed batch of sequences, each
// token attending to every token of its own sequence. Sequence s is tokens [offsets[s], offsets[s + 1]);
// offsets start at 0, never decrease and end at T. Grouped-query: query head h reads kv head
// h / (heads / kv_heads).
#pragma once

#include <cstdint>
#include <span>
#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

// q f32 [T, heads * head_dim], k and v f32 [T, kv_heads * head_dim]; scale 0 → 1 / sqrt(head_dim). Returns
// f32 [T, heads * head_dim].
Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t head_dim,
                 std::span<const int32_t> sequence_offsets, float scale = 0, std::string_view name = {});

}  // namespace chunkwise::runtime
