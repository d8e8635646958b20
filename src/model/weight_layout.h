// Which tensors a model needs, by name and shape, built from the shared layer descriptions (embedding, norm,
// attention, gated MLP) that every architecture composes. The forward pass binds these specs to TensorViews;
// the directory check validates a checkpoint against them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/model_config.h"

namespace chunkwise::model {

struct TensorSpec {
  std::string name;
  std::vector<int64_t> shape;  // PyTorch order: nn.Linear weights are [out_features, in_features]

  int64_t numel() const;
};

struct LinearSpec {
  TensorSpec weight;
  std::optional<TensorSpec> bias;
};

// RMSNorm has a weight; LayerNorm a weight and a bias.
struct NormSpec {
  TensorSpec weight;
  std::optional<TensorSpec> bias;
};

struct AttentionSpec {
  LinearSpec q, k, v, o;
  std::optional<NormSpec> q_norm, k_norm;  // Qwen3: RMSNorm over head_dim
};

struct GatedMlpSpec {  // down(act(gate(x)) * up(x))
  LinearSpec gate, up, down;
};

struct DecoderLayerSpec {
  NormSpec input_norm;
  AttentionSpec attention;
  NormSpec post_attention_norm;
  GatedMlpSpec mlp;
};

struct DecoderSpec {
  TensorSpec embed_tokens;
  std::vector<DecoderLayerSpec> layers;
  NormSpec final_norm;
  std::optional<TensorSpec> lm_head;  // absent when tied to embed_tokens or for bare *Model classes
};

// BERT-style encoder (post-norm, LayerNorm, absolute positions, plain GELU MLP).
struct EncoderLayerSpec {
  AttentionSpec attention;  // q/k/v/o = query/key/value/attention.output.dense
  NormSpec attention_norm;
  LinearSpec intermediate, output;
  NormSpec output_norm;
};

struct EncoderSpec {
  TensorSpec word_embeddings, position_embeddings;
  std::optional<TensorSpec> token_type_embeddings;
  NormSpec embeddings_norm;
  std::vector<EncoderLayerSpec> layers;
};

// `prefix` is what the checkpoint puts before the module names: "model." for *ForCausalLM, "" for a bare
// model saved on its own. lm_head is never prefixed.
DecoderSpec decoder_spec(const ModelConfig& config, const std::string& prefix = "model.");
EncoderSpec encoder_spec(const ModelConfig& config, const std::string& prefix = "");

// Every tensor of a spec, in forward order.
std::vector<const TensorSpec*> all_tensors(const DecoderSpec& spec);
std::vector<const TensorSpec*> all_tensors(const EncoderSpec& spec);

}  // namespace chunkwise::model
