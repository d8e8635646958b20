#include "model/layers/encoder_self_attention.h"

#include <cmath>

#include "runtime/ops/attention.h"

namespace chunkwise::model {

EncoderSelfAttention EncoderSelfAttention::bind(const Checkpoint& checkpoint, const AttentionSpec& spec,
                                                const ModelConfig& config) {
  return {Linear::bind(checkpoint, spec.q), Linear::bind(checkpoint, spec.k),
          Linear::bind(checkpoint, spec.v), Linear::bind(checkpoint, spec.o), config.head_dim};
}

runtime::Tensor EncoderSelfAttention::operator()(const runtime::Tensor& x,
                                                 std::span<const int32_t> sequence_offsets,
                                                 const std::string& prefix) const {
  const runtime::Tensor queries = q(x, prefix + "attn_q");
  const runtime::Tensor keys = k(x, prefix + "attn_k");
  const runtime::Tensor values = v(x, prefix + "attn_v");
  const float scale = float(1.0 / std::sqrt(double(head_dim)));
  const runtime::Tensor attended =
      runtime::attention(queries, keys, values, head_dim, sequence_offsets, scale, prefix + "attn");
  return o(attended, prefix + "attn_out");
}

}  // namespace chunkwise::model
