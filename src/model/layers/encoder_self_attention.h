// Bidirectional self-attention of an encoder layer (BERT): q/k/v projections with bias, every token
// attending to every token of its own sequence (a packed batch, no KV cache, no rotary embedding: positions
// are absolute and added at the embeddings), output projection.
#pragma once

#include <cstdint>
#include <span>
#include <string>

#include "model/layers/linear.h"

namespace chunkwise::model {

struct EncoderSelfAttention {
  Linear q, k, v, o;
  int64_t head_dim = 0;

  static EncoderSelfAttention bind(const Checkpoint& checkpoint, const AttentionSpec& spec,
                                   const ModelConfig& config);
  // x f32 [T, hidden]; sequence s is tokens [sequence_offsets[s], sequence_offsets[s + 1]).
  runtime::Tensor operator()(const runtime::Tensor& x, std::span<const int32_t> sequence_offsets,
                             const std::string& prefix) const;
};

}  // namespace chunkwise::model
