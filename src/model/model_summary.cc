#include "model/model_summary.h"

#include <fmt/format.h>

#include <algorithm>

namespace chunkwise::model {
namespace {

std::string human_bytes(uint64_t bytes) {
  constexpr const char* kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double value = static_cast<double>(bytes);
  size_t unit = 0;
  while (value >= 1024 && unit + 1 < std::size(kUnits)) {
    value /= 1024;
    ++unit;
  }
  return unit == 0 ? fmt::format("{} B", bytes) : fmt::format("{:.2f} {}", value, kUnits[unit]);
}

std::string human_count(int64_t count) {
  if (count >= 1'000'000'000) return fmt::format("{:.2f}B", static_cast<double>(count) / 1e9);
  if (count >= 1'000'000) return fmt::format("{:.2f}M", static_cast<double>(count) / 1e6);
  if (count >= 1'000) return fmt::format("{:.1f}K", static_cast<double>(count) / 1e3);
  return fmt::format("{}", count);
}

nlohmann::json optional_json(const auto& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

nlohmann::json rope_json(const RopeConfig& rope) {
  nlohmann::json out{{"type", to_string(rope.type)}, {"theta", rope.theta}};
  if (rope.partial_rotary_factor != 1.0) out["partial_rotary_factor"] = rope.partial_rotary_factor;
  if (rope.type != RopeType::default_rope) out["factor"] = rope.factor;
  if (rope.type == RopeType::llama3) {
    out["low_freq_factor"] = rope.low_freq_factor;
    out["high_freq_factor"] = rope.high_freq_factor;
  }
  if (rope.original_max_position_embeddings) {
    out["original_max_position_embeddings"] = *rope.original_max_position_embeddings;
  }
  if (rope.type == RopeType::yarn) {
    out["attention_factor"] = optional_json(rope.attention_factor);
    out["beta_fast"] = optional_json(rope.beta_fast);
    out["beta_slow"] = optional_json(rope.beta_slow);
  }
  return out;
}

std::string rope_text(const RopeConfig& rope) {
  std::string text = fmt::format("{} (theta {:g}", to_string(rope.type), rope.theta);
  if (rope.partial_rotary_factor != 1.0)
    text += fmt::format(", partial_rotary_factor {:g}", rope.partial_rotary_factor);
  if (rope.type != RopeType::default_rope) text += fmt::format(", factor {:g}", rope.factor);
  if (rope.type == RopeType::llama3) {
    text += fmt::format(", low_freq_factor {:g}, high_freq_factor {:g}", rope.low_freq_factor,
                        rope.high_freq_factor);
  }
  if (rope.original_max_position_embeddings) {
    text += fmt::format(", original_max_position_embeddings {}", *rope.original_max_position_embeddings);
  }
  if (rope.type == RopeType::yarn) {
    if (rope.attention_factor) text += fmt::format(", attention_factor {:g}", *rope.attention_factor);
    if (rope.beta_fast) text += fmt::format(", beta_fast {:g}", *rope.beta_fast);
    if (rope.beta_slow) text += fmt::format(", beta_slow {:g}", *rope.beta_slow);
  }
  return text + ")";
}

int64_t sliding_layers(const ModelConfig& config) {
  return std::count(config.layer_attention.begin(), config.layer_attention.end(), LayerAttention::sliding);
}

}  // namespace

ModelSummary summarize(const ModelDirectory& model) {
  ModelSummary summary;
  for (const TensorSpec* spec : all_tensors(model)) {
    const auto tensor = model.checkpoint.find(spec->name);
    if (!tensor) continue;  // open_model_directory has checked they all exist
    summary.parameter_count += spec->numel();
    summary.weight_bytes += tensor->bytes.size();
    summary.weight_bytes_f32 += tensor->numel() * 4;
    ++summary.tensor_count;
    auto usage = std::find_if(summary.dtypes.begin(), summary.dtypes.end(),
                              [&](const DTypeUsage& u) { return u.dtype == tensor->dtype; });
    if (usage == summary.dtypes.end())
      usage = summary.dtypes.insert(summary.dtypes.end(), {tensor->dtype, 0, 0});
    ++usage->tensors;
    usage->bytes += tensor->bytes.size();
  }
  summary.file_bytes = model.checkpoint.total_file_bytes();
  summary.unused_tensor_count = static_cast<int64_t>(model.unused_tensors.size());
  const ModelConfig& config = model.config;
  if (config.is_decoder()) {
    // Sliding layers never hold more than the window, but per 1k tokens that only matters when the window <
    // 1024.
    uint64_t cached_tokens = 0;
    for (const auto kind : config.layer_attention) {
      const int64_t window = kind == LayerAttention::sliding ? config.sliding_window.value_or(1024) : 1024;
      cached_tokens += static_cast<uint64_t>(std::min<int64_t>(window, 1024));
    }
    const uint64_t per_token_per_layer = 2 * static_cast<uint64_t>(config.kv_dim());
    summary.kv_cache_bytes_per_1k_f32 = cached_tokens * per_token_per_layer * 4;
    summary.kv_cache_bytes_per_1k_f16 = cached_tokens * per_token_per_layer * 2;
  }
  return summary;
}

std::string format_summary(const ModelDirectory& model, const ModelSummary& summary) {
  const ModelConfig& c = model.config;
  std::string out;
  auto line = [&out](std::string_view label, const std::string& value) {
    out += fmt::format("{:<22}{}\n", fmt::format("{}:", label), value);
  };
  line("model", model.path.string());
  line("architecture", fmt::format("{} ({})", c.architecture_name, to_string(c.architecture)));
  line("layers", fmt::format("{}", c.num_layers));
  line("hidden size", fmt::format("{}", c.hidden_size));
  line("intermediate size", fmt::format("{}", c.intermediate_size));
  line("attention heads",
       fmt::format("{} query, {} key/value, head_dim {}", c.num_heads, c.num_kv_heads, c.head_dim));
  line("vocabulary", fmt::format("{}", c.vocab_size));
  line("max positions", fmt::format("{}", c.max_position_embeddings));
  line("activation", std::string(to_string(c.activation)));
  line("norm eps", fmt::format("{:g}", c.norm_eps));
  if (c.is_decoder()) {
    line("rope", rope_text(c.rope));
    std::vector<std::string> options;
    if (c.qkv_bias) options.emplace_back(c.output_bias ? "q/k/v/o bias" : "q/k/v bias");
    if (c.mlp_bias) options.emplace_back("mlp bias");
    if (c.qk_norm) options.emplace_back("q/k norm");
    if (c.num_kv_heads != c.num_heads)
      options.push_back(fmt::format("GQA {}:1", c.num_heads / c.num_kv_heads));
    if (c.tie_word_embeddings) options.emplace_back("tied embeddings");
    if (c.sliding_window) {
      options.push_back(fmt::format("sliding window {} on {} of {} layers", *c.sliding_window,
                                    sliding_layers(c), c.num_layers));
    }
    line("options", options.empty() ? std::string("none") : fmt::format("{}", fmt::join(options, ", ")));
  }
  line("parameters", fmt::format("{} ({})", human_count(summary.parameter_count), summary.parameter_count));
  std::vector<std::string> dtypes;
  for (const auto& usage : summary.dtypes) {
    dtypes.push_back(
        fmt::format("{} ({} tensors, {})", to_string(usage.dtype), usage.tensors, human_bytes(usage.bytes)));
  }
  line("dtypes", fmt::format("{}", fmt::join(dtypes, ", ")));
  line("weights", fmt::format("{} as stored, {} as f32 ({} files, {} on disk)",
                              human_bytes(summary.weight_bytes), human_bytes(summary.weight_bytes_f32),
                              model.checkpoint.files().size(), human_bytes(summary.file_bytes)));
  if (summary.unused_tensor_count > 0) {
    line("unused tensors",
         fmt::format("{} (e.g. {})", summary.unused_tensor_count, model.unused_tensors.front()));
  }
  if (c.is_decoder()) {
    line("kv cache / 1k tokens", fmt::format("{} f32, {} f16", human_bytes(summary.kv_cache_bytes_per_1k_f32),
                                             human_bytes(summary.kv_cache_bytes_per_1k_f16)));
    line("memory at 4k tokens",
         fmt::format("{} (weights as stored + f16 KV cache)",
                     human_bytes(summary.weight_bytes + 4 * summary.kv_cache_bytes_per_1k_f16)));
  }
  return out;
}

nlohmann::json summary_json(const ModelDirectory& model, const ModelSummary& summary) {
  const ModelConfig& c = model.config;
  nlohmann::json dtypes = nlohmann::json::array();
  for (const auto& usage : summary.dtypes) {
    dtypes.push_back({{"dtype", to_string(usage.dtype)}, {"tensors", usage.tensors}, {"bytes", usage.bytes}});
  }
  nlohmann::json out{
      {"model", model.path.string()},
      {"architecture", c.architecture_name},
      {"family", c.is_decoder() ? "decoder" : "encoder"},
      {"num_layers", c.num_layers},
      {"hidden_size", c.hidden_size},
      {"intermediate_size", c.intermediate_size},
      {"num_heads", c.num_heads},
      {"num_kv_heads", c.num_kv_heads},
      {"head_dim", c.head_dim},
      {"vocab_size", c.vocab_size},
      {"max_position_embeddings", c.max_position_embeddings},
      {"activation", to_string(c.activation)},
      {"norm_eps", c.norm_eps},
      {"tie_word_embeddings", c.tie_word_embeddings},
      {"qkv_bias", c.qkv_bias},
      {"output_bias", c.output_bias},
      {"mlp_bias", c.mlp_bias},
      {"qk_norm", c.qk_norm},
      {"sliding_window", optional_json(c.sliding_window)},
      {"sliding_layers", sliding_layers(c)},
      {"bos_token_id", optional_json(c.bos_token_id)},
      {"eos_token_ids", c.eos_token_ids},
      {"parameters", summary.parameter_count},
      {"dtypes", dtypes},
      {"weight_bytes", summary.weight_bytes},
      {"weight_bytes_f32", summary.weight_bytes_f32},
      {"file_bytes", summary.file_bytes},
      {"files", model.checkpoint.files().size()},
      {"tensors", summary.tensor_count},
      {"unused_tensors", model.unused_tensors},
  };
  if (c.is_decoder()) {
    out["rope"] = rope_json(c.rope);
    out["kv_cache_bytes_per_1k_tokens"] = {{"f32", summary.kv_cache_bytes_per_1k_f32},
                                           {"f16", summary.kv_cache_bytes_per_1k_f16}};
  }
  return out;
}

}  // namespace chunkwise::model
