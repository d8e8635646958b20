// Causal self-attention of a decoder layer: q/k/v projections (optional bias), optional per-head RMSNorm on q
// and k (Qwen3), rotary embedding, attention over the paged KV cache (grouped-query, optional sliding
// window), output projection.
#pragma once

#include <string>

#include "model/forward_batch.h"
#include "model/layers/linear.h"
#include "model/layers/rms_norm.h"
#include "model/layers/rotary_embedding.h"
#include "runtime/kv_cache.h"

namespace chunkwise::model {

struct SelfAttention {
  Linear q, k, v, o;
  RmsNorm q_norm, k_norm;  // weights undefined without q/k norm
  int64_t head_dim = 0;
  int sliding_window = 0;  // 0: full causal attention

  static SelfAttention bind(const Checkpoint& checkpoint, const AttentionSpec& spec,
                            const ModelConfig& config, int layer);
  runtime::Tensor operator()(const runtime::Tensor& x, const ForwardBatch& batch,
                             const RotaryEmbedding& rotary, const RotaryEmbedding::Plan& rotary_plan,
                             runtime::KvCache& cache, int layer, const std::string& prefix) const;
};

}  // namespace chunkwise::model
