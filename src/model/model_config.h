// config.json as plain typed data. Everything the runtime needs is resolved here, once: per-architecture
// defaults (Qwen2's q/k/v bias, Qwen3's q/k norm and head_dim), both RoPE layouts (transformers 4
// `rope_theta` + `rope_scaling`, transformers 5 `rope_parameters`) and the per-layer sliding-window pattern.
// No JSON past this file.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/architecture.h"

namespace chunkwise::model {

enum class Activation { silu, gelu, gelu_tanh, relu };
std::string_view to_string(Activation activation);

enum class RopeType { default_rope, linear, dynamic, yarn, llama3 };
std::string_view to_string(RopeType type);

// Rotary embedding parameters as the config states them. Optional fields are those whose absence changes the
// formula (transformers falls back to other config values, e.g. max_position_embeddings); the forward pass
// resolves them the way transformers' ROPE_INIT_FUNCTIONS do.
struct RopeConfig {
  RopeType type = RopeType::default_rope;
  double theta = 10000.0;
  double partial_rotary_factor = 1.0;
  double factor = 1.0;  // linear, dynamic, yarn, llama3; an absent yarn factor is max / original positions
  // llama3
  double low_freq_factor = 1.0;
  double high_freq_factor = 4.0;
  // llama3 (required), yarn and dynamic (optional)
  std::optional<int64_t> original_max_position_embeddings;
  // yarn
  std::optional<double> attention_factor;
  std::optional<double> beta_fast;  // transformers default 32
  std::optional<double> beta_slow;  // transformers default 1
  std::optional<double> mscale;
  std::optional<double> mscale_all_dim;
  std::optional<bool> truncate;  // transformers default true
};

enum class LayerAttention { full, sliding };

struct ModelConfig {
  Architecture architecture = Architecture::llama;
  std::string architecture_name;  // as written in "architectures", e.g. "Qwen2ForCausalLM"
  std::string model_type;         // "llama", "qwen2", ... (empty if absent)

  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;
  int64_t num_layers = 0;
  int64_t num_heads = 0;
  int64_t num_kv_heads = 0;  // == num_heads without grouped-query attention
  int64_t head_dim = 0;      // hidden_size / num_heads unless the config (or the architecture) says otherwise
  int64_t max_position_embeddings = 0;
  double norm_eps = 1e-6;  // rms_norm_eps, or layer_norm_eps for encoders
  Activation activation = Activation::silu;
  bool tie_word_embeddings = false;
  bool has_lm_head = true;  // false for bare *Model classes (embedders) and encoders

  // Which projections carry a bias.
  bool qkv_bias = false;
  bool output_bias = false;  // o_proj
  bool mlp_bias = false;
  bool qk_norm = false;  // RMSNorm over head_dim on q and k (Qwen3)

  std::optional<int64_t> sliding_window;        // set only when some layer uses it
  std::vector<LayerAttention> layer_attention;  // one per layer

  RopeConfig rope;

  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;
  std::string
      weights_dtype;  // "dtype" (transformers 5) or "torch_dtype" (4): "bfloat16", ...; empty if absent

  // Encoders (BERT-style) only.
  int64_t type_vocab_size = 0;
  std::string position_embedding_type;  // "absolute"

  bool is_decoder() const { return family(architecture) == ModelFamily::decoder; }
  int64_t q_dim() const { return num_heads * head_dim; }
  int64_t kv_dim() const { return num_kv_heads * head_dim; }
};

// Parses config.json text. Throws Error(unsupported) naming an unknown architecture, rope type or activation,
// and Error(invalid_input) naming the field that is missing, has the wrong type or an impossible value.
ModelConfig parse_model_config(std::string_view json_text);
ModelConfig load_model_config(const std::filesystem::path& config_json);

// generation_config.json: the defaults `generate()` uses. Absent fields stay empty.
struct GenerationConfig {
  std::optional<int64_t> bos_token_id;
  std::vector<int64_t> eos_token_ids;
  std::optional<int64_t> pad_token_id;
  std::optional<bool> do_sample;
  std::optional<double> temperature;
  std::optional<int64_t> top_k;
  std::optional<double> top_p;
  std::optional<double> min_p;
  std::optional<double> repetition_penalty;
  std::optional<int64_t> max_new_tokens;
  std::optional<int64_t> max_length;
};

GenerationConfig parse_generation_config(std::string_view json_text);
GenerationConfig load_generation_config(const std::filesystem::path& generation_config_json);

}  // namespace chunkwise::model
