#include "model/layers/rotary_embedding.h"

#include <algorithm>
#include <span>

#include "runtime/debug_dump.h"

namespace chunkwise::model {

runtime::RopeConfig runtime_rope_config(const ModelConfig& config) {
  const RopeConfig& rope = config.rope;
  runtime::RopeConfig out;
  out.theta = rope.theta;
  switch (rope.type) {
    case RopeType::default_rope:
      out.type = runtime::RopeType::default_;
      break;
    case RopeType::linear:
      out.type = runtime::RopeType::linear;
      break;
    case RopeType::dynamic:
      out.type = runtime::RopeType::dynamic;
      break;
    case RopeType::yarn:
      out.type = runtime::RopeType::yarn;
      break;
    case RopeType::llama3:
      out.type = runtime::RopeType::llama3;
      break;
  }
  out.factor = rope.factor;
  out.low_freq_factor = rope.low_freq_factor;
  out.high_freq_factor = rope.high_freq_factor;
  out.original_max_position_embeddings = rope.original_max_position_embeddings.value_or(0);
  out.max_position_embeddings = config.max_position_embeddings;
  out.beta_fast = rope.beta_fast.value_or(0);
  out.beta_slow = rope.beta_slow.value_or(0);
  out.attention_factor = rope.attention_factor.value_or(0);
  out.mscale = rope.mscale.value_or(0);
  out.mscale_all_dim = rope.mscale_all_dim.value_or(0);
  out.truncate = rope.truncate.value_or(true);
  out.partial_rotary_factor = rope.partial_rotary_factor;
  return out;
}

RotaryEmbedding::RotaryEmbedding(const ModelConfig& config)
    : config_(runtime_rope_config(config)),
      head_dim_(int(config.head_dim)),
      table_(runtime::rope_table(config_, head_dim_)) {}

RotaryEmbedding::Plan RotaryEmbedding::plan(const ForwardBatch& batch) const {
  Plan plan;
  const auto& sequence = batch.attention.token_sequence;
  const auto& position = batch.attention.token_position;
  const auto count = int64_t(batch.tokens.size());
  if (config_.type != runtime::RopeType::dynamic) {
    plan.spans.push_back({0, count, &table_});
    return plan;
  }
  // One span per sequence (its tokens are contiguous); transformers uses seq_len = max position + 1.
  std::vector<std::pair<int64_t, int64_t>> ranges;
  for (int64_t t = 0; t < count; ++t)
    if (t == 0 || sequence[size_t(t)] != sequence[size_t(t - 1)])
      ranges.push_back({t, t + 1});
    else
      ranges.back().second = t + 1;
  plan.dynamic_tables.reserve(ranges.size());
  for (const auto& [begin, end] : ranges) {
    const int64_t seq_len = int64_t(position[size_t(end - 1)]) + 1;
    const runtime::RopeTable* table = &table_;
    if (seq_len > config_.max_position_embeddings) {
      plan.dynamic_tables.push_back(runtime::rope_table(config_, head_dim_, seq_len));
      table = &plan.dynamic_tables.back();
    }
    plan.spans.push_back({begin, end, table});
  }
  return plan;
}

void RotaryEmbedding::apply(runtime::Tensor& x, const ForwardBatch& batch, const Plan& plan,
                            std::string_view name) const {
  const std::span<const int32_t> positions(batch.attention.token_position);
  for (const Span& span : plan.spans) {
    runtime::Tensor rows = x.rows(span.begin, span.end);
    runtime::rope_inplace(rows, head_dim_,
                          positions.subspan(size_t(span.begin), size_t(span.end - span.begin)), *span.table);
  }
  runtime::debug_dump(name, x);
}

}  // namespace chunkwise::model
