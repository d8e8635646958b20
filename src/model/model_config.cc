#include "model/model_config.h"

#include <string>

#include "common/error.h"
#include "common/file.h"
#include "model/json_fields.h"

namespace chunkwise::model {
namespace {

using json_fields::json;
using json_fields::optional_bool;
using json_fields::optional_int;
using json_fields::optional_number;
using json_fields::optional_string;
using json_fields::required_int;
using json_fields::required_number;

// Bounds that keep every size product below 2^63 and reject nonsense early.
constexpr int64_t kMaxDimension = int64_t{1} << 24;
constexpr int64_t kMaxLayers = 4096;

int64_t checked_dimension(int64_t value, std::string_view field, int64_t limit = kMaxDimension) {
  if (value <= 0 || value > limit) {
    fail(ErrorKind::invalid_input, "{}: {} is out of range (1 to {})", field, value, limit);
  }
  return value;
}

const ArchitectureDescription& resolve_architecture(const json& config, std::string& class_name) {
  if (const json* architectures = json_fields::find(config, "architectures")) {
    if (!architectures->is_array() || architectures->empty() || !(*architectures)[0].is_string()) {
      fail(ErrorKind::invalid_input, "architectures: expected a list of class names, got {}",
           json_fields::preview(*architectures));
    }
    class_name = (*architectures)[0].get<std::string>();
  } else {
    // Some exported configs only name the model_type; map it to the causal-LM class transformers would pick.
    const auto model_type = optional_string(config, "model_type");
    if (!model_type)
      fail(ErrorKind::invalid_input, "missing required field 'architectures' (and no 'model_type')");
    static constexpr std::pair<std::string_view, std::string_view> kByModelType[] = {
        {"llama", "LlamaForCausalLM"}, {"mistral", "MistralForCausalLM"},
        {"qwen2", "Qwen2ForCausalLM"}, {"qwen3", "Qwen3ForCausalLM"},
        {"bert", "BertModel"},         {"xlm-roberta", "XLMRobertaModel"}};
    class_name = "model_type " + *model_type;
    for (const auto& [type, name] : kByModelType) {
      if (type == *model_type) class_name = name;
    }
  }
  const ArchitectureDescription* description = find_architecture(class_name);
  if (description == nullptr) {
    std::string supported;
    for (const auto& row : supported_architectures())
      supported += (supported.empty() ? "" : ", ") + std::string(row.class_name);
    fail(ErrorKind::unsupported, "architecture '{}' is not supported (supported: {})", class_name, supported);
  }
  return *description;
}

Activation parse_activation(const json& config, Activation fallback) {
  const auto name = optional_string(config, "hidden_act");
  if (!name) return fallback;
  if (*name == "silu" || *name == "swish") return Activation::silu;
  if (*name == "gelu") return Activation::gelu;
  if (*name == "gelu_new" || *name == "gelu_pytorch_tanh") return Activation::gelu_tanh;
  if (*name == "relu") return Activation::relu;
  fail(ErrorKind::unsupported,
       "hidden_act '{}' is not supported (silu, gelu, gelu_new, gelu_pytorch_tanh, relu)", *name);
}

RopeType parse_rope_type(const std::string& name, std::string_view field) {
  if (name == "default") return RopeType::default_rope;
  if (name == "linear") return RopeType::linear;
  if (name == "dynamic") return RopeType::dynamic;
  if (name == "yarn") return RopeType::yarn;
  if (name == "llama3") return RopeType::llama3;
  fail(ErrorKind::unsupported, "{}: rope type '{}' is not supported (default, linear, dynamic, yarn, llama3)",
       field, name);
}

// Reads the scaling fields shared by transformers 4's `rope_scaling` and 5's `rope_parameters`.
void parse_rope_scaling(const json& scaling, std::string_view path, RopeConfig& rope) {
  if (!scaling.is_object()) {
    fail(ErrorKind::invalid_input, "{}: expected an object, got {}", path, scaling.type_name());
  }
  auto type = optional_string(scaling, "rope_type", path);
  if (!type) type = optional_string(scaling, "type", path);  // the older spelling
  rope.type = type ? parse_rope_type(*type, fmt::format("{}.rope_type", path)) : RopeType::default_rope;
  if (const auto theta = optional_number(scaling, "rope_theta", path)) rope.theta = *theta;
  if (const auto partial = optional_number(scaling, "partial_rotary_factor", path))
    rope.partial_rotary_factor = *partial;

  if (rope.type != RopeType::default_rope) {
    const auto factor = optional_number(scaling, "factor", path);
    // transformers 5 derives an absent yarn factor from the positions (see parse_decoder); the others need
    // it.
    if (!factor && rope.type != RopeType::yarn) {
      fail(ErrorKind::invalid_input, "missing required field '{}.factor'", path);
    }
    rope.factor = factor.value_or(0.0);
    if (factor && !(rope.factor > 0)) {
      fail(ErrorKind::invalid_input, "{}.factor: {} must be positive", path, rope.factor);
    }
  }
  rope.original_max_position_embeddings = optional_int(scaling, "original_max_position_embeddings", path);
  if (rope.type == RopeType::llama3) {
    rope.low_freq_factor = required_number(scaling, "low_freq_factor", path);
    rope.high_freq_factor = required_number(scaling, "high_freq_factor", path);
    if (!rope.original_max_position_embeddings) {
      fail(ErrorKind::invalid_input, "missing required field '{}.original_max_position_embeddings'", path);
    }
    if (!(rope.low_freq_factor > 0) || !(rope.high_freq_factor > rope.low_freq_factor)) {
      fail(ErrorKind::invalid_input, "{}: need 0 < low_freq_factor ({}) < high_freq_factor ({})", path,
           rope.low_freq_factor, rope.high_freq_factor);
    }
  }
  if (rope.original_max_position_embeddings) {
    checked_dimension(*rope.original_max_position_embeddings,
                      fmt::format("{}.original_max_position_embeddings", path), int64_t{1} << 40);
  }
  if (rope.type == RopeType::yarn) {
    rope.attention_factor = optional_number(scaling, "attention_factor", path);
    rope.beta_fast = optional_number(scaling, "beta_fast", path);
    rope.beta_slow = optional_number(scaling, "beta_slow", path);
    rope.mscale = optional_number(scaling, "mscale", path);
    rope.mscale_all_dim = optional_number(scaling, "mscale_all_dim", path);
    rope.truncate = optional_bool(scaling, "truncate", path);
  }
}

RopeConfig parse_rope(const json& config) {
  RopeConfig rope;
  if (const auto partial = optional_number(config, "partial_rotary_factor"))
    rope.partial_rotary_factor = *partial;
  if (const auto theta = optional_number(config, "rope_theta")) rope.theta = *theta;
  if (const json* parameters = json_fields::find(config, "rope_parameters")) {  // transformers 5
    if (parameters->is_object() && !parameters->empty() && !parameters->contains("rope_type") &&
        !parameters->contains("rope_theta")) {
      bool all_objects = true;
      for (const auto& item : parameters->items()) all_objects = all_objects && item.value().is_object();
      if (all_objects) {
        fail(ErrorKind::unsupported, "rope_parameters: per-layer-type RoPE parameters are not supported");
      }
    }
    parse_rope_scaling(*parameters, "rope_parameters", rope);
  } else if (const json* scaling = json_fields::find(config, "rope_scaling")) {  // transformers 4
    parse_rope_scaling(*scaling, "rope_scaling", rope);
  }
  if (!(rope.theta > 0)) fail(ErrorKind::invalid_input, "rope_theta: {} must be positive", rope.theta);
  if (!(rope.partial_rotary_factor > 0 && rope.partial_rotary_factor <= 1)) {
    fail(ErrorKind::invalid_input, "partial_rotary_factor: {} must be in (0, 1]", rope.partial_rotary_factor);
  }
  return rope;
}

void parse_attention_layout(const json& config, const ArchitectureDescription& description,
                            ModelConfig& out) {
  switch (description.attention_bias) {
    case AttentionBiasRule::no_bias:
      break;
    case AttentionBiasRule::attention_bias_flag:
      out.qkv_bias = out.output_bias = optional_bool(config, "attention_bias").value_or(false);
      break;
    case AttentionBiasRule::qkv_always:
      out.qkv_bias = true;
      break;
    case AttentionBiasRule::all_always:
      out.qkv_bias = out.output_bias = out.mlp_bias = true;
      break;
  }
  if (description.reads_mlp_bias_flag) out.mlp_bias = optional_bool(config, "mlp_bias").value_or(false);
  out.qk_norm = description.qk_norm;

  // The window in effect: Qwen keeps sliding_window in the config even when use_sliding_window is false.
  std::optional<int64_t> window;
  if (description.sliding_window == SlidingWindowRule::all_layers) {
    window = optional_int(config, "sliding_window");
  } else if (description.sliding_window == SlidingWindowRule::opt_in_upper_layers &&
             optional_bool(config, "use_sliding_window").value_or(false)) {
    window = optional_int(config, "sliding_window");
  }
  if (window) checked_dimension(*window, "sliding_window", int64_t{1} << 40);

  out.layer_attention.assign(static_cast<size_t>(out.num_layers), LayerAttention::full);
  if (const json* layer_types = json_fields::find(config, "layer_types")) {
    if (!layer_types->is_array() || static_cast<int64_t>(layer_types->size()) != out.num_layers) {
      fail(ErrorKind::invalid_input, "layer_types: expected a list of {} layer types (num_hidden_layers)",
           out.num_layers);
    }
    for (size_t i = 0; i < layer_types->size(); ++i) {
      const json& type = (*layer_types)[i];
      if (type == "full_attention") continue;
      if (type != "sliding_attention") {
        fail(ErrorKind::unsupported,
             "layer_types[{}]: {} is not supported (full_attention, sliding_attention)", i,
             json_fields::preview(type));
      }
      if (window) out.layer_attention[i] = LayerAttention::sliding;
    }
  } else if (window) {
    const int64_t first_sliding = description.sliding_window == SlidingWindowRule::opt_in_upper_layers
                                      ? optional_int(config, "max_window_layers").value_or(28)
                                      : 0;
    for (int64_t i = std::max<int64_t>(first_sliding, 0); i < out.num_layers; ++i) {
      out.layer_attention[static_cast<size_t>(i)] = LayerAttention::sliding;
    }
  }
  for (const auto kind : out.layer_attention) {
    if (kind == LayerAttention::sliding) out.sliding_window = window;
  }
}

ModelConfig parse_decoder(const json& config, const ArchitectureDescription& description, ModelConfig out) {
  out.num_kv_heads = optional_int(config, "num_key_value_heads").value_or(out.num_heads);
  checked_dimension(out.num_kv_heads, "num_key_value_heads");
  if (out.num_heads % out.num_kv_heads != 0) {
    fail(ErrorKind::invalid_input, "num_key_value_heads: {} does not divide num_attention_heads ({})",
         out.num_kv_heads, out.num_heads);
  }
  if (const auto head_dim = optional_int(config, "head_dim")) {
    out.head_dim = checked_dimension(*head_dim, "head_dim", int64_t{1} << 16);
  } else if (description.default_head_dim) {
    out.head_dim = *description.default_head_dim;
  } else {
    if (out.hidden_size % out.num_heads != 0) {
      fail(ErrorKind::invalid_input,
           "hidden_size {} is not a multiple of num_attention_heads {} and no head_dim", out.hidden_size,
           out.num_heads);
    }
    out.head_dim = out.hidden_size / out.num_heads;
  }
  if (out.q_dim() > kMaxDimension) {
    fail(ErrorKind::invalid_input, "num_attention_heads * head_dim = {} is out of range", out.q_dim());
  }
  out.norm_eps = optional_number(config, "rms_norm_eps").value_or(description.default_norm_eps);
  out.activation = parse_activation(config, Activation::silu);
  out.tie_word_embeddings = optional_bool(config, "tie_word_embeddings").value_or(false);
  out.rope = parse_rope(config);
  if (out.rope.type == RopeType::yarn && out.rope.factor == 0.0) {
    if (!out.rope.original_max_position_embeddings) {
      fail(ErrorKind::invalid_input,
           "yarn RoPE needs 'factor' or 'original_max_position_embeddings' (factor = max / original "
           "positions)");
    }
    out.rope.factor = static_cast<double>(out.max_position_embeddings) /
                      static_cast<double>(*out.rope.original_max_position_embeddings);
  }
  parse_attention_layout(config, description, out);
  return out;
}

ModelConfig parse_encoder(const json& config, const ArchitectureDescription& description, ModelConfig out) {
  out.num_kv_heads = out.num_heads;
  if (out.hidden_size % out.num_heads != 0) {
    fail(ErrorKind::invalid_input, "hidden_size {} is not a multiple of num_attention_heads {}",
         out.hidden_size, out.num_heads);
  }
  out.head_dim = out.hidden_size / out.num_heads;
  out.norm_eps = optional_number(config, "layer_norm_eps").value_or(description.default_norm_eps);
  out.activation = parse_activation(config, Activation::gelu);
  out.type_vocab_size = optional_int(config, "type_vocab_size").value_or(2);
  if (out.type_vocab_size < 0 || out.type_vocab_size > kMaxDimension) {
    fail(ErrorKind::invalid_input, "type_vocab_size: {} is out of range", out.type_vocab_size);
  }
  out.position_embedding_type = optional_string(config, "position_embedding_type").value_or("absolute");
  if (out.position_embedding_type != "absolute") {
    fail(ErrorKind::unsupported, "position_embedding_type '{}' is not supported (absolute)",
         out.position_embedding_type);
  }
  out.qkv_bias = out.output_bias = out.mlp_bias = true;
  out.layer_attention.assign(static_cast<size_t>(out.num_layers), LayerAttention::full);
  return out;
}

}  // namespace

std::string_view to_string(Activation activation) {
  switch (activation) {
    case Activation::silu:
      return "silu";
    case Activation::gelu:
      return "gelu";
    case Activation::gelu_tanh:
      return "gelu_tanh";
    case Activation::relu:
      return "relu";
  }
  return "unknown";
}

std::string_view to_string(RopeType type) {
  switch (type) {
    case RopeType::default_rope:
      return "default";
    case RopeType::linear:
      return "linear";
    case RopeType::dynamic:
      return "dynamic";
    case RopeType::yarn:
      return "yarn";
    case RopeType::llama3:
      return "llama3";
  }
  return "unknown";
}

ModelConfig parse_model_config(std::string_view json_text) {
  const json config = json_fields::parse_object(json_text);
  ModelConfig out;
  const ArchitectureDescription& description = resolve_architecture(config, out.architecture_name);
  out.architecture = description.architecture;
  out.has_lm_head = description.has_lm_head;
  out.model_type = optional_string(config, "model_type").value_or("");

  out.vocab_size = checked_dimension(required_int(config, "vocab_size"), "vocab_size");
  out.hidden_size = checked_dimension(required_int(config, "hidden_size"), "hidden_size");
  out.intermediate_size = checked_dimension(required_int(config, "intermediate_size"), "intermediate_size");
  out.num_layers =
      checked_dimension(required_int(config, "num_hidden_layers"), "num_hidden_layers", kMaxLayers);
  out.num_heads = checked_dimension(required_int(config, "num_attention_heads"), "num_attention_heads");
  out.max_position_embeddings =
      optional_int(config, "max_position_embeddings").value_or(description.default_max_position_embeddings);
  checked_dimension(out.max_position_embeddings, "max_position_embeddings", int64_t{1} << 40);

  out.bos_token_id = optional_int(config, "bos_token_id");
  out.eos_token_ids = json_fields::int_or_int_list(config, "eos_token_id");
  out.pad_token_id = optional_int(config, "pad_token_id");
  if (auto dtype = optional_string(config, "dtype")) {
    out.weights_dtype = *dtype;
  } else if (auto torch_dtype = optional_string(config, "torch_dtype")) {
    out.weights_dtype = *torch_dtype;
  }

  return description.family == ModelFamily::decoder ? parse_decoder(config, description, std::move(out))
                                                    : parse_encoder(config, description, std::move(out));
}

ModelConfig load_model_config(const std::filesystem::path& config_json) {
  return with_context(config_json.filename().string(),
                      [&] { return parse_model_config(read_file(config_json)); });
}

GenerationConfig parse_generation_config(std::string_view json_text) {
  const json config = json_fields::parse_object(json_text);
  GenerationConfig out;
  out.bos_token_id = optional_int(config, "bos_token_id");
  out.eos_token_ids = json_fields::int_or_int_list(config, "eos_token_id");
  out.pad_token_id = optional_int(config, "pad_token_id");
  out.do_sample = optional_bool(config, "do_sample");
  out.temperature = optional_number(config, "temperature");
  out.top_k = optional_int(config, "top_k");
  out.top_p = optional_number(config, "top_p");
  out.min_p = optional_number(config, "min_p");
  out.repetition_penalty = optional_number(config, "repetition_penalty");
  out.max_new_tokens = optional_int(config, "max_new_tokens");
  out.max_length = optional_int(config, "max_length");
  return out;
}

GenerationConfig load_generation_config(const std::filesystem::path& generation_config_json) {
  return with_context(generation_config_json.filename().string(),
                      [&] { return parse_generation_config(read_file(generation_config_json)); });
}

}  // namespace chunkwise::model
