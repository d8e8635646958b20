// Rotary position embedding as Hugging Face transformers applies it: rotate_half layout (element i pairs with
// i + rotary_dim/2 inside each head), cos/sin of position * inv_freq, times the attention factor. The
// inverse-frequency table follows transformers' modeling_rope_utils.py for every rope_scaling type.
#pragma once

#include <cstdint>
#include <span>
#include <string_view>
#include <vector>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

enum class RopeType { default_, linear, dynamic, yarn, llama3 };

// config.json's rope_theta, partial_rotary_factor, max_position_embeddings and rope_scaling fields.
// A value of 0 for an optional field means "absent in config.json".
struct RopeConfig {
  double theta = 10000.0;
  RopeType type = RopeType::default_;
  double factor = 1.0;                           // yarn: 0 (absent) → max / original max positions
  double low_freq_factor = 1.0;                  // llama3
  double high_freq_factor = 4.0;                 // llama3
  int64_t original_max_position_embeddings = 0;  // llama3, yarn; absent → max_position_embeddings
  int64_t max_position_embeddings = 0;           // config.max_position_embeddings (dynamic, yarn)
  double beta_fast = 0;                          // yarn, absent → 32
  double beta_slow = 0;                          // yarn, absent → 1
  double attention_factor = 0;                   // yarn, absent → from factor / mscale
  double mscale = 0;                             // yarn (DeepSeek), absent → unused
  double mscale_all_dim = 0;                     // yarn (DeepSeek), absent → unused
  bool truncate = true;                          // yarn
  double partial_rotary_factor = 1.0;            // rotary_dim = int(head_dim * partial_rotary_factor)
};

struct RopeTable {
  int rotary_dim = 0;             // even, <= head_dim; elements past it are left as they are
  std::vector<float> inv_freq;    // rotary_dim / 2 entries
  float attention_factor = 1.0f;  // multiplies cos and sin (yarn)
};

// The table for a head size. For `dynamic`, transformers recomputes the table when a forward pass sees a
// sequence longer than max_position_embeddings: pass seq_len = max(position) + 1 of that pass (0 or anything
// <= max_position_embeddings gives the original table). Other types ignore seq_len.
RopeTable rope_table(const RopeConfig& config, int head_dim, int64_t seq_len = 0);

// Rotates x in place: x f32 [T, heads * head_dim] or [T, heads, head_dim]; positions[t] is token t's
// position.
void rope_inplace(Tensor& x, int head_dim, std::span<const int32_t> positions, const RopeTable& table,
                  std::string_view name = {});

}  // namespace chunkwise::runtime
