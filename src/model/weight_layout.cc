#include "model/weight_layout.h"

#include <fmt/format.h>

namespace chunkwise::model {
namespace {

// The shared layer descriptions. Each takes the module path ("model.layers.3.self_attn.") and the sizes.

LinearSpec linear(const std::string& path, int64_t in_features, int64_t out_features, bool bias) {
  LinearSpec spec{.weight = {path + "weight", {out_features, in_features}}, .bias = std::nullopt};
  if (bias) spec.bias = TensorSpec{path + "bias", {out_features}};
  return spec;
}

NormSpec rms_norm(const std::string& path, int64_t size) {
  return {.weight = {path + "weight", {size}}, .bias = std::nullopt};
}

NormSpec layer_norm(const std::string& path, int64_t size) {
  return {.weight = {path + "weight", {size}}, .bias = TensorSpec{path + "bias", {size}}};
}

// Llama-style attention: {q,k,v,o}_proj, optional q_norm/k_norm.
AttentionSpec rotary_attention(const std::string& path, const ModelConfig& config) {
  AttentionSpec spec{
      .q = linear(path + "q_proj.", config.hidden_size, config.q_dim(), config.qkv_bias),
      .k = linear(path + "k_proj.", config.hidden_size, config.kv_dim(), config.qkv_bias),
      .v = linear(path + "v_proj.", config.hidden_size, config.kv_dim(), config.qkv_bias),
      .o = linear(path + "o_proj.", config.q_dim(), config.hidden_size, config.output_bias),
      .q_norm = std::nullopt,
      .k_norm = std::nullopt,
  };
  if (config.qk_norm) {
    spec.q_norm = rms_norm(path + "q_norm.", config.head_dim);
    spec.k_norm = rms_norm(path + "k_norm.", config.head_dim);
  }
  return spec;
}

GatedMlpSpec gated_mlp(const std::string& path, const ModelConfig& config) {
  return {
      .gate = linear(path + "gate_proj.", config.hidden_size, config.intermediate_size, config.mlp_bias),
      .up = linear(path + "up_proj.", config.hidden_size, config.intermediate_size, config.mlp_bias),
      .down = linear(path + "down_proj.", config.intermediate_size, config.hidden_size, config.mlp_bias),
  };
}

DecoderLayerSpec decoder_layer(const std::string& path, const ModelConfig& config) {
  return {
      .input_norm = rms_norm(path + "input_layernorm.", config.hidden_size),
      .attention = rotary_attention(path + "self_attn.", config),
      .post_attention_norm = rms_norm(path + "post_attention_layernorm.", config.hidden_size),
      .mlp = gated_mlp(path + "mlp.", config),
  };
}

EncoderLayerSpec encoder_layer(const std::string& path, const ModelConfig& config) {
  const int64_t hidden = config.hidden_size;
  return {
      .attention =
          {
              .q = linear(path + "attention.self.query.", hidden, hidden, true),
              .k = linear(path + "attention.self.key.", hidden, hidden, true),
              .v = linear(path + "attention.self.value.", hidden, hidden, true),
              .o = linear(path + "attention.output.dense.", hidden, hidden, true),
              .q_norm = std::nullopt,
              .k_norm = std::nullopt,
          },
      .attention_norm = layer_norm(path + "attention.output.LayerNorm.", hidden),
      .intermediate = linear(path + "intermediate.dense.", hidden, config.intermediate_size, true),
      .output = linear(path + "output.dense.", config.intermediate_size, hidden, true),
      .output_norm = layer_norm(path + "output.LayerNorm.", hidden),
  };
}

void add(std::vector<const TensorSpec*>& out, const LinearSpec& spec) {
  out.push_back(&spec.weight);
  if (spec.bias) out.push_back(&*spec.bias);
}

void add(std::vector<const TensorSpec*>& out, const NormSpec& spec) {
  out.push_back(&spec.weight);
  if (spec.bias) out.push_back(&*spec.bias);
}

void add(std::vector<const TensorSpec*>& out, const AttentionSpec& spec) {
  add(out, spec.q);
  add(out, spec.k);
  add(out, spec.v);
  if (spec.q_norm) add(out, *spec.q_norm);
  if (spec.k_norm) add(out, *spec.k_norm);
  add(out, spec.o);
}

}  // namespace

int64_t TensorSpec::numel() const {
  int64_t count = 1;
  for (int64_t dim : shape) count *= dim;
  return count;
}

DecoderSpec decoder_spec(const ModelConfig& config, const std::string& prefix) {
  DecoderSpec spec{
      .embed_tokens = {prefix + "embed_tokens.weight", {config.vocab_size, config.hidden_size}},
      .layers = {},
      .final_norm = rms_norm(prefix + "norm.", config.hidden_size),
      .lm_head = std::nullopt,
  };
  spec.layers.reserve(static_cast<size_t>(config.num_layers));
  for (int64_t i = 0; i < config.num_layers; ++i) {
    spec.layers.push_back(decoder_layer(fmt::format("{}layers.{}.", prefix, i), config));
  }
  if (config.has_lm_head && !config.tie_word_embeddings) {
    spec.lm_head = TensorSpec{"lm_head.weight", {config.vocab_size, config.hidden_size}};
  }
  return spec;
}

EncoderSpec encoder_spec(const ModelConfig& config, const std::string& prefix) {
  EncoderSpec spec{
      .word_embeddings = {prefix + "embeddings.word_embeddings.weight",
                          {config.vocab_size, config.hidden_size}},
      .position_embeddings = {prefix + "embeddings.position_embeddings.weight",
                              {config.max_position_embeddings, config.hidden_size}},
      .token_type_embeddings = std::nullopt,
      .embeddings_norm = layer_norm(prefix + "embeddings.LayerNorm.", config.hidden_size),
      .layers = {},
  };
  if (config.type_vocab_size > 0) {
    spec.token_type_embeddings = TensorSpec{prefix + "embeddings.token_type_embeddings.weight",
                                            {config.type_vocab_size, config.hidden_size}};
  }
  for (int64_t i = 0; i < config.num_layers; ++i) {
    spec.layers.push_back(encoder_layer(fmt::format("{}encoder.layer.{}.", prefix, i), config));
  }
  return spec;
}

std::vector<const TensorSpec*> all_tensors(const DecoderSpec& spec) {
  std::vector<const TensorSpec*> out{&spec.embed_tokens};
  for (const auto& layer : spec.layers) {
    add(out, layer.input_norm);
    add(out, layer.attention);
    add(out, layer.post_attention_norm);
    add(out, layer.mlp.gate);
    add(out, layer.mlp.up);
    add(out, layer.mlp.down);
  }
  add(out, spec.final_norm);
  if (spec.lm_head) out.push_back(&*spec.lm_head);
  return out;
}

std::vector<const TensorSpec*> all_tensors(const EncoderSpec& spec) {
  std::vector<const TensorSpec*> out{&spec.word_embeddings, &spec.position_embeddings};
  if (spec.token_type_embeddings) out.push_back(&*spec.token_type_embeddings);
  add(out, spec.embeddings_norm);
  for (const auto& layer : spec.layers) {
    add(out, layer.attention);
    add(out, layer.attention_norm);
    add(out, layer.intermediate);
    add(out, layer.output);
    add(out, layer.output_norm);
  }
  return out;
}

}  // namespace chunkwise::model
