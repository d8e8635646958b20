#include "model/layers/self_attention.h"

#include <array>
#include <cmath>

#include "model/weights.h"

namespace chunkwise::model {

SelfAttention SelfAttention::bind(const Checkpoint& checkpoint, const AttentionSpec& spec,
                                  const ModelConfig& config, int layer) {
  SelfAttention attention;
  attention.q = Linear::bind(checkpoint, spec.q);
  attention.k = Linear::bind(checkpoint, spec.k);
  attention.v = Linear::bind(checkpoint, spec.v);
  attention.o = Linear::bind(checkpoint, spec.o);
  if (spec.q_norm) attention.q_norm = RmsNorm::bind(checkpoint, *spec.q_norm, config.norm_eps);
  if (spec.k_norm) attention.k_norm = RmsNorm::bind(checkpoint, *spec.k_norm, config.norm_eps);
  attention.head_dim = config.head_dim;
  if (config.sliding_window && config.layer_attention.at(size_t(layer)) == LayerAttention::sliding)
    attention.sliding_window = int(*config.sliding_window);
  return attention;
}

runtime::Tensor SelfAttention::operator()(const runtime::Tensor& x, const ForwardBatch& batch,
                                          const RotaryEmbedding& rotary,
                                          const RotaryEmbedding::Plan& rotary_plan, runtime::KvCache& cache,
                                          int layer, const std::string& prefix) const {
  const std::string q_name = prefix + "attn_q", k_name = prefix + "attn_k", v_name = prefix + "attn_v";
  std::vector<runtime::Tensor> qkv =
      runtime::linear_group(std::array{q.product(x, q_name), k.product(x, k_name), v.product(x, v_name)});
  runtime::Tensor queries = std::move(qkv[0]);
  runtime::Tensor keys = std::move(qkv[1]);
  const runtime::Tensor values = std::move(qkv[2]);
  if (q_norm.weight.defined()) queries = q_norm(queries, prefix + "attn_q_norm");
  if (k_norm.weight.defined()) keys = k_norm(keys, prefix + "attn_k_norm");
  rotary.apply(queries, batch, rotary_plan, prefix + "attn_q_rope");
  rotary.apply(keys, batch, rotary_plan, prefix + "attn_k_rope");
  runtime::AttentionOptions options;
  options.scale = float(1.0 / std::sqrt(double(head_dim)));
  options.sliding_window = sliding_window;
  const runtime::Tensor attended = runtime::paged_attention(queries, keys, values, cache, layer,
                                                            batch.attention, options, prefix + "attn");
  return o(attended, prefix + "attn_out");
}

}  // namespace chunkwise::model
