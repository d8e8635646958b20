// The supported architectures as data: one row per Hugging Face class name, saying how that architecture
// composes the shared layers (embedding, RMSNorm / LayerNorm, rotary attention, gated MLP) and which config
// defaults transformers' config class applies. Adding a Llama-like architecture is adding a row.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

namespace chunkwise::model {

enum class Architecture { llama, mistral, qwen2, qwen3, bert, xlm_roberta };
enum class ModelFamily { decoder, encoder };

// Which attention projections have a bias.
enum class AttentionBiasRule {
  no_bias,              // Mistral: never
  attention_bias_flag,  // Llama, Qwen3: "attention_bias" (default false) puts a bias on q, k, v and o
  qkv_always,           // Qwen2: q, k and v always, o never; there is no flag
  all_always,           // BERT: every linear layer
};

enum class SlidingWindowRule {
  no_window,
  all_layers,           // Mistral: "sliding_window" (null = off) applies to every layer
  opt_in_upper_layers,  // Qwen2/3: only with "use_sliding_window", for layers >= "max_window_layers"
};

struct ArchitectureDescription {
  std::string_view class_name;  // config.json "architectures"[0]
  Architecture architecture;
  ModelFamily family;
  bool has_lm_head;  // *ForCausalLM; the bare *Model classes (used as embedders) stop at the final norm
  AttentionBiasRule attention_bias;
  bool reads_mlp_bias_flag;  // Llama: "mlp_bias" puts a bias on gate/up/down
  bool qk_norm;              // Qwen3: RMSNorm over head_dim on q and k before RoPE
  SlidingWindowRule sliding_window;
  // Defaults of transformers' config class for fields a config.json may leave out.
  std::optional<int64_t> default_head_dim;  // nullopt: hidden_size / num_attention_heads
  int64_t default_max_position_embeddings;
  double default_norm_eps;
};

// The row for a config.json class name, or nullptr.
const ArchitectureDescription* find_architecture(std::string_view class_name);
std::span<const ArchitectureDescription> supported_architectures();

std::string_view to_string(Architecture architecture);
ModelFamily family(Architecture architecture);

}  // namespace chunkwise::model
