#include "model/architecture.h"

#include <array>

namespace chunkwise::model {
namespace {

using enum Architecture;
using enum ModelFamily;
using enum AttentionBiasRule;
using enum SlidingWindowRule;

// Defaults from transformers' LlamaConfig, MistralConfig, Qwen2Config, Qwen3Config, BertConfig and
// XLMRobertaConfig.
// clang-format off
constexpr std::array kArchitectures{
  //                     class name            arch         family   lm_head  bias rule            mlp_bias qk_norm window rule           head_dim max_pos  eps
  ArchitectureDescription{"LlamaForCausalLM",   llama,       decoder, true,    attention_bias_flag, true,    false,  no_window,            {},      2048,    1e-6},
  ArchitectureDescription{"LlamaModel",         llama,       decoder, false,   attention_bias_flag, true,    false,  no_window,            {},      2048,    1e-6},
  ArchitectureDescription{"MistralForCausalLM", mistral,     decoder, true,    no_bias,             false,   false,  all_layers,           {},      131072,  1e-6},
  ArchitectureDescription{"MistralModel",       mistral,     decoder, false,   no_bias,             false,   false,  all_layers,           {},      131072,  1e-6},
  ArchitectureDescription{"Qwen2ForCausalLM",   qwen2,       decoder, true,    qkv_always,          false,   false,  opt_in_upper_layers,  {},      32768,   1e-6},
  ArchitectureDescription{"Qwen2Model",         qwen2,       decoder, false,   qkv_always,          false,   false,  opt_in_upper_layers,  {},      32768,   1e-6},
  ArchitectureDescription{"Qwen3ForCausalLM",   qwen3,       decoder, true,    attention_bias_flag, false,   true,   opt_in_upper_layers,  128,     32768,   1e-6},
  ArchitectureDescription{"Qwen3Model",         qwen3,       decoder, false,   attention_bias_flag, false,   true,   opt_in_upper_layers,  128,     32768,   1e-6},
  ArchitectureDescription{"BertModel",          bert,        encoder, false,   all_always,          false,   false,  no_window,            {},      512,     1e-12},
  ArchitectureDescription{"XLMRobertaModel",    xlm_roberta, encoder, false,   all_always,          false,   false,  no_window,            {},      512,     1e-12},
};
// clang-format on

}  // namespace

const ArchitectureDescription* find_architecture(std::string_view class_name) {
  for (const auto& description : kArchitectures) {
    if (description.class_name == class_name) return &description;
  }
  return nullptr;
}

std::span<const ArchitectureDescription> supported_architectures() {
  return kArchitectures;
}

std::string_view to_string(Architecture architecture) {
  switch (architecture) {
    case llama:
      return "llama";
    case mistral:
      return "mistral";
    case qwen2:
      return "qwen2";
    case qwen3:
      return "qwen3";
    case bert:
      return "bert";
    case xlm_roberta:
      return "xlm-roberta";
  }
  return "unknown";
}

ModelFamily family(Architecture architecture) {
  return architecture == bert || architecture == xlm_roberta ? encoder : decoder;
}

}  // namespace chunkwise::model
