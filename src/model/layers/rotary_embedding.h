// Rotary position embedding of a model: the config's RoPE parameters resolved into frequency tables, applied
// to q and k at each token's position. Dynamic NTK scaling depends on the sequence length, so tables are
// chosen per sequence and per forward pass (`plan`), the way transformers recomputes them when a pass sees a
// longer sequence than max_position_embeddings: keys already in the cache keep the rotation they got, exactly
// as in transformers' generate() with a KV cache.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "model/forward_batch.h"
#include "model/model_config.h"
#include "runtime/ops/rope.h"

namespace chunkwise::model {

runtime::RopeConfig runtime_rope_config(const ModelConfig& config);

class RotaryEmbedding {
 public:
  RotaryEmbedding() = default;
  explicit RotaryEmbedding(const ModelConfig& config);

  // Which table each run of tokens uses in one pass.
  struct Span {
    int64_t begin = 0, end = 0;  // token rows
    const runtime::RopeTable* table = nullptr;
  };
  struct Plan {
    std::vector<Span> spans;
    std::vector<runtime::RopeTable> dynamic_tables;  // owned tables of sequences past the original length
  };
  Plan plan(const ForwardBatch& batch) const;

  // x f32 [T, heads * head_dim], rotated in place.
  void apply(runtime::Tensor& x, const ForwardBatch& batch, const Plan& plan, std::string_view name) const;

 private:
  runtime::RopeConfig config_;
  int head_dim_ = 0;
  runtime::RopeTable table_;
};

}  // namespace chunkwise::model
