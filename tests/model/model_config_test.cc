#include "model/model_config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "common/file.h"

namespace chunkwise::model {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

const std::string kConfigs = std::string(CHUNKWISE_TEST_DATA) + "/models/configs/";

ModelConfig load(const std::string& name) {
  return load_model_config(kConfigs + name);
}

json config_json(const std::string& name) {
  return json::parse(read_file(kConfigs + name));
}

void expect_config_error(const json& config, ErrorKind kind, const std::string& fragment) {
  try {
    parse_model_config(config.dump());
    ADD_FAILURE() << "no error; expected: " << fragment;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), kind) << e.what();
    EXPECT_THAT(e.what(), HasSubstr(fragment));
  }
}

void expect_same_rope(const RopeConfig& a, const RopeConfig& b) {
  EXPECT_EQ(a.type, b.type);
  EXPECT_EQ(a.theta, b.theta);
  EXPECT_EQ(a.factor, b.factor);
  EXPECT_EQ(a.low_freq_factor, b.low_freq_factor);
  EXPECT_EQ(a.high_freq_factor, b.high_freq_factor);
  EXPECT_EQ(a.original_max_position_embeddings, b.original_max_position_embeddings);
  EXPECT_EQ(a.attention_factor, b.attention_factor);
  EXPECT_EQ(a.beta_fast, b.beta_fast);
  EXPECT_EQ(a.beta_slow, b.beta_slow);
}

TEST(ModelConfig, Llama32Transformers4) {
  const ModelConfig c = load("llama-3.2-1b.tf4.json");
  EXPECT_EQ(c.architecture, Architecture::llama);
  EXPECT_EQ(c.architecture_name, "LlamaForCausalLM");
  EXPECT_EQ(c.hidden_size, 2048);
  EXPECT_EQ(c.intermediate_size, 8192);
  EXPECT_EQ(c.num_layers, 16);
  EXPECT_EQ(c.num_heads, 32);
  EXPECT_EQ(c.num_kv_heads, 8);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_EQ(c.vocab_size, 128256);
  EXPECT_EQ(c.max_position_embeddings, 131072);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-5);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_FALSE(c.qk_norm);
  EXPECT_EQ(c.activation, Activation::silu);
  EXPECT_EQ(c.rope.type, RopeType::llama3);
  EXPECT_EQ(c.rope.theta, 500000.0);
  EXPECT_EQ(c.rope.factor, 32.0);
  EXPECT_EQ(c.rope.low_freq_factor, 1.0);
  EXPECT_EQ(c.rope.high_freq_factor, 4.0);
  EXPECT_EQ(c.rope.original_max_position_embeddings, 8192);
  EXPECT_EQ(c.bos_token_id, 128000);
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{128001, 128008, 128009}));
  EXPECT_EQ(c.weights_dtype, "bfloat16");
  EXPECT_FALSE(c.sliding_window.has_value());
  EXPECT_EQ(c.layer_attention.size(), 16u);
}

TEST(ModelConfig, BothRopeLayoutsAgree) {
  const ModelConfig v4 = load("llama-3.2-1b.tf4.json");
  const ModelConfig v5 = load("llama-3.2-1b.tf5.json");
  expect_same_rope(v4.rope, v5.rope);
  EXPECT_EQ(v5.weights_dtype, "bfloat16");
  EXPECT_EQ(v4.head_dim, v5.head_dim);
}

TEST(ModelConfig, MistralSlidingWindowOnEveryLayer) {
  const ModelConfig c = load("mistral-7b-v0.1.tf4.json");
  EXPECT_EQ(c.architecture, Architecture::mistral);
  EXPECT_EQ(c.head_dim, 128);  // hidden / heads
  EXPECT_EQ(c.sliding_window, 4096);
  for (auto kind : c.layer_attention) EXPECT_EQ(kind, LayerAttention::sliding);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_EQ(c.rope.type, RopeType::default_rope);

  json config = config_json("mistral-7b-v0.1.tf4.json");
  config["sliding_window"] = nullptr;
  const ModelConfig no_window = parse_model_config(config.dump());
  EXPECT_FALSE(no_window.sliding_window.has_value());
  for (auto kind : no_window.layer_attention) EXPECT_EQ(kind, LayerAttention::full);
}

TEST(ModelConfig, Qwen2HasQkvBiasWithoutAFlag) {
  const ModelConfig c = load("qwen2.5-0.5b.tf4.json");
  EXPECT_EQ(c.architecture, Architecture::qwen2);
  EXPECT_TRUE(c.qkv_bias);
  EXPECT_FALSE(c.output_bias);
  EXPECT_EQ(c.head_dim, 64);
  // sliding_window is set but use_sliding_window is false: no layer slides.
  EXPECT_FALSE(c.sliding_window.has_value());
  for (auto kind : c.layer_attention) EXPECT_EQ(kind, LayerAttention::full);
  EXPECT_EQ(c.rope.theta, 1e6);

  json config = config_json("qwen2.5-0.5b.tf4.json");
  config["use_sliding_window"] = true;
  config["sliding_window"] = 16;
  const ModelConfig sliding = parse_model_config(config.dump());
  EXPECT_EQ(sliding.sliding_window, 16);
  EXPECT_EQ(sliding.layer_attention[20], LayerAttention::full);
  EXPECT_EQ(sliding.layer_attention[21], LayerAttention::sliding);  // max_window_layers = 21

  config["layer_types"] = json::array();
  for (int i = 0; i < 24; ++i)
    config["layer_types"].push_back(i % 2 ? "sliding_attention" : "full_attention");
  const ModelConfig typed = parse_model_config(config.dump());
  EXPECT_EQ(typed.layer_attention[0], LayerAttention::full);
  EXPECT_EQ(typed.layer_attention[1], LayerAttention::sliding);
  config["layer_types"] = {"full_attention"};
  expect_config_error(config, ErrorKind::invalid_input, "layer_types: expected a list of 24");
}

TEST(ModelConfig, Qwen3QkNormAndHeadDim) {
  const ModelConfig c = load("qwen3-0.6b.tf4.json");
  EXPECT_EQ(c.architecture, Architecture::qwen3);
  EXPECT_TRUE(c.qk_norm);
  EXPECT_FALSE(c.qkv_bias);
  EXPECT_EQ(c.head_dim, 128);
  EXPECT_EQ(c.q_dim(), 2048);  // != hidden_size
  EXPECT_EQ(c.kv_dim(), 1024);
  EXPECT_EQ(c.rope.type, RopeType::default_rope);

  json config = config_json("qwen3-0.6b.tf4.json");
  config.erase("head_dim");  // Qwen3Config's default is 128, not hidden / heads
  config["hidden_size"] = 512;
  EXPECT_EQ(parse_model_config(config.dump()).head_dim, 128);
  config["attention_bias"] = true;
  const ModelConfig biased = parse_model_config(config.dump());
  EXPECT_TRUE(biased.qkv_bias);
  EXPECT_TRUE(biased.output_bias);
}

TEST(ModelConfig, BertEncoder) {
  const ModelConfig c = load("bge-small-en-v1.5.json");
  EXPECT_EQ(c.architecture, Architecture::bert);
  EXPECT_FALSE(c.is_decoder());
  EXPECT_EQ(c.hidden_size, 384);
  EXPECT_EQ(c.head_dim, 32);
  EXPECT_EQ(c.type_vocab_size, 2);
  EXPECT_EQ(c.activation, Activation::gelu);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-12);
  EXPECT_FALSE(c.has_lm_head);
  json config = config_json("bge-small-en-v1.5.json");
  config["position_embedding_type"] = "relative_key";
  expect_config_error(config, ErrorKind::unsupported, "position_embedding_type 'relative_key'");
}

TEST(ModelConfig, TinyLm) {
  const ModelConfig c = load_model_config(std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-lm/config.json");
  EXPECT_EQ(c.architecture, Architecture::llama);
  EXPECT_EQ(c.hidden_size, 384);
  EXPECT_EQ(c.num_kv_heads, 2);
  EXPECT_EQ(c.head_dim, 64);
  EXPECT_TRUE(c.tie_word_embeddings);
  EXPECT_FALSE(c.bos_token_id.has_value());  // null
  EXPECT_EQ(c.eos_token_ids, (std::vector<int64_t>{0}));
  EXPECT_EQ(c.rope.type, RopeType::default_rope);
  EXPECT_EQ(c.rope.theta, 10000.0);
  EXPECT_EQ(c.weights_dtype, "bfloat16");
}

json small_llama() {
  return {{"architectures", {"LlamaForCausalLM"}},
          {"vocab_size", 100},
          {"hidden_size", 64},
          {"intermediate_size", 128},
          {"num_hidden_layers", 2},
          {"num_attention_heads", 4},
          {"max_position_embeddings", 256}};
}

TEST(ModelConfig, DefaultsFollowTheConfigClass) {
  const ModelConfig c = parse_model_config(small_llama().dump());
  EXPECT_EQ(c.num_kv_heads, 4);
  EXPECT_EQ(c.head_dim, 16);
  EXPECT_DOUBLE_EQ(c.norm_eps, 1e-6);
  EXPECT_FALSE(c.tie_word_embeddings);
  EXPECT_EQ(c.rope.theta, 10000.0);
  EXPECT_TRUE(c.eos_token_ids.empty());
  json no_architectures = small_llama();
  no_architectures.erase("architectures");
  no_architectures["model_type"] = "qwen2";
  EXPECT_EQ(parse_model_config(no_architectures.dump()).architecture, Architecture::qwen2);
}

TEST(ModelConfig, RopeScalingTypes) {
  json config = small_llama();
  config["rope_scaling"] = {{"type", "linear"}, {"factor", 2.0}};  // the older "type" spelling
  EXPECT_EQ(parse_model_config(config.dump()).rope.type, RopeType::linear);
  EXPECT_EQ(parse_model_config(config.dump()).rope.factor, 2.0);

  config["rope_scaling"] = {{"rope_type", "dynamic"}, {"factor", 4.0}};
  EXPECT_EQ(parse_model_config(config.dump()).rope.type, RopeType::dynamic);

  config["rope_scaling"] = {
      {"rope_type", "yarn"},     {"factor", 4.0},   {"original_max_position_embeddings", 64},
      {"attention_factor", 1.1}, {"beta_fast", 16}, {"beta_slow", 2}};
  const RopeConfig yarn = parse_model_config(config.dump()).rope;
  EXPECT_EQ(yarn.type, RopeType::yarn);
  EXPECT_EQ(yarn.original_max_position_embeddings, 64);
  EXPECT_EQ(yarn.attention_factor, 1.1);
  EXPECT_EQ(yarn.beta_fast, 16.0);
  EXPECT_EQ(yarn.beta_slow, 2.0);
  EXPECT_FALSE(yarn.mscale.has_value());

  // transformers 5 puts the same fields and rope_theta in rope_parameters.
  json v5 = small_llama();
  v5["rope_parameters"] = config["rope_scaling"];
  v5["rope_parameters"]["rope_theta"] = 1e6;
  const RopeConfig yarn5 = parse_model_config(v5.dump()).rope;
  EXPECT_EQ(yarn5.theta, 1e6);
  EXPECT_EQ(yarn5.attention_factor, 1.1);

  config["rope_scaling"] = {{"rope_type", "default"}};
  EXPECT_EQ(parse_model_config(config.dump()).rope.type, RopeType::default_rope);

  // yarn without a factor: transformers 5 uses max_position_embeddings / original_max_position_embeddings.
  config["rope_scaling"] = {{"rope_type", "yarn"}, {"original_max_position_embeddings", 64}};
  EXPECT_EQ(parse_model_config(config.dump()).rope.factor, 4.0);  // 256 / 64
  config["rope_scaling"] = {{"rope_type", "yarn"}};
  expect_config_error(config, ErrorKind::invalid_input, "yarn RoPE needs 'factor' or");
}

TEST(ModelConfig, RopeErrors) {
  json config = small_llama();
  config["rope_scaling"] = {{"rope_type", "longrope"}, {"factor", 2.0}};
  expect_config_error(config, ErrorKind::unsupported, "rope type 'longrope' is not supported");
  config["rope_scaling"] = {{"rope_type", "linear"}};
  expect_config_error(config, ErrorKind::invalid_input, "missing required field 'rope_scaling.factor'");
  config["rope_scaling"] = {
      {"rope_type", "llama3"}, {"factor", 8.0}, {"low_freq_factor", 1.0}, {"high_freq_factor", 4.0}};
  expect_config_error(config, ErrorKind::invalid_input, "rope_scaling.original_max_position_embeddings");
  config["rope_scaling"] = {{"rope_type", "linear"}, {"factor", "2"}};
  expect_config_error(config, ErrorKind::invalid_input, "rope_scaling.factor: expected a number");
  config["rope_scaling"] = 3;
  expect_config_error(config, ErrorKind::invalid_input, "rope_scaling: expected an object");
  config.erase("rope_scaling");
  config["rope_parameters"] = {{"full_attention", {{"rope_type", "default"}}},
                               {"sliding_attention", {{"rope_type", "default"}}}};
  expect_config_error(config, ErrorKind::unsupported, "per-layer-type");
  config["rope_parameters"] = {{"rope_type", "default"}, {"rope_theta", -1}};
  expect_config_error(config, ErrorKind::invalid_input, "rope_theta: -1 must be positive");
}

TEST(ModelConfig, FieldErrorsNameTheField) {
  expect_config_error(json{{"architectures", {"GemmaForCausalLM"}}}, ErrorKind::unsupported,
                      "architecture 'GemmaForCausalLM' is not supported");
  expect_config_error(json{{"model_type", "gpt2"}}, ErrorKind::unsupported,
                      "'model_type gpt2' is not supported");
  expect_config_error(json::object(), ErrorKind::invalid_input, "missing required field 'architectures'");
  json config = small_llama();
  config.erase("hidden_size");
  expect_config_error(config, ErrorKind::invalid_input, "missing required field 'hidden_size'");
  config = small_llama();
  config["num_attention_heads"] = "4";
  expect_config_error(config, ErrorKind::invalid_input,
                      "num_attention_heads: expected an integer, got string");
  config = small_llama();
  config["num_key_value_heads"] = 3;
  expect_config_error(config, ErrorKind::invalid_input, "num_key_value_heads: 3 does not divide");
  config = small_llama();
  config["vocab_size"] = 0;
  expect_config_error(config, ErrorKind::invalid_input, "vocab_size: 0 is out of range");
  config = small_llama();
  config["hidden_size"] = 1e30;
  expect_config_error(config, ErrorKind::invalid_input, "hidden_size: expected an integer");
  config = small_llama();
  config["tie_word_embeddings"] = 1;
  expect_config_error(config, ErrorKind::invalid_input, "tie_word_embeddings: expected true or false");
  config = small_llama();
  config["hidden_act"] = "gelu_fast_and_loose";
  expect_config_error(config, ErrorKind::unsupported, "hidden_act 'gelu_fast_and_loose'");
  config = small_llama();
  config["eos_token_id"] = {1, "two"};
  expect_config_error(config, ErrorKind::invalid_input, "eos_token_id: expected an integer or a list");
  config = small_llama();
  config["hidden_size"] = 66;  // not a multiple of 4 heads, no head_dim
  expect_config_error(config, ErrorKind::invalid_input, "no head_dim");
  expect_config_error(json::array(), ErrorKind::invalid_input, "expected a JSON object");
  try {
    parse_model_config("{ not json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

TEST(ModelConfig, DeeplyNestedValuesAreRejectedWithoutRecursion) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  try {
    parse_model_config(R"({"architectures": ["LlamaForCausalLM"], "vocab_size": 8, "hidden_size": )" + deep +
                       "}");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("hidden_size: expected an integer, got an array of 1"));
  }
}

TEST(ModelConfig, LoadNamesTheFile) {
  try {
    load_model_config(kConfigs + "absent.json");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::not_found);
  }
}

// config.json files written by transformers 5.17 (scripts/make_tiny_models.py) and their transformers 4
// rewrites.
const std::string kHfConfigs = std::string(CHUNKWISE_TEST_DATA) + "/models/hf-5.17-configs/";

TEST(ModelConfig, Transformers517ConfigsMatchTheirTransformers4Rewrites) {
  const char* names[] = {"llama-gqa",       "llama-tied",         "llama-rope-llama3", "llama-rope-linear",
                         "llama-rope-yarn", "llama-rope-dynamic", "mistral-sliding",   "qwen2-bias",
                         "qwen3-qk-norm",   "llama-bf16",         "llama-sharded"};
  for (const std::string name : names) {
    SCOPED_TRACE(name);
    const ModelConfig v5 = load_model_config(kHfConfigs + name + ".tf5.json");
    const ModelConfig v4 = load_model_config(kHfConfigs + name + ".tf4.json");
    expect_same_rope(v4.rope, v5.rope);
    EXPECT_EQ(v4.architecture, v5.architecture);
    EXPECT_EQ(v4.head_dim, v5.head_dim);
    EXPECT_EQ(v4.num_kv_heads, v5.num_kv_heads);
    EXPECT_EQ(v4.sliding_window, v5.sliding_window);
    EXPECT_EQ(v4.layer_attention, v5.layer_attention);
    EXPECT_EQ(v4.qkv_bias, v5.qkv_bias);
    EXPECT_EQ(v4.qk_norm, v5.qk_norm);
    EXPECT_EQ(v4.tie_word_embeddings, v5.tie_word_embeddings);
    EXPECT_EQ(v4.weights_dtype, v5.weights_dtype);
    EXPECT_EQ(v5.vocab_size, 8192);
    EXPECT_EQ(v5.eos_token_ids, (std::vector<int64_t>{0}));
  }
  const ModelConfig mistral = load_model_config(kHfConfigs + "mistral-sliding.tf5.json");
  EXPECT_EQ(mistral.sliding_window, 16);
  for (auto kind : mistral.layer_attention) EXPECT_EQ(kind, LayerAttention::sliding);
  const ModelConfig qwen2 = load_model_config(kHfConfigs + "qwen2-bias.tf5.json");
  EXPECT_TRUE(qwen2.qkv_bias);
  EXPECT_FALSE(qwen2.sliding_window.has_value());
  const ModelConfig qwen3 = load_model_config(kHfConfigs + "qwen3-qk-norm.tf5.json");
  EXPECT_EQ(qwen3.head_dim, 32);
  EXPECT_TRUE(qwen3.qk_norm);
  const ModelConfig yarn = load_model_config(kHfConfigs + "llama-rope-yarn.tf5.json");
  EXPECT_EQ(yarn.rope.type, RopeType::yarn);
  EXPECT_EQ(yarn.rope.factor, 4.0);
  EXPECT_EQ(yarn.rope.original_max_position_embeddings, 64);
  const ModelConfig llama3 = load_model_config(kHfConfigs + "llama-rope-llama3.tf4.json");
  EXPECT_EQ(llama3.rope.type, RopeType::llama3);
  EXPECT_EQ(llama3.rope.original_max_position_embeddings, 32);
  EXPECT_EQ(load_model_config(kHfConfigs + "llama-rope-dynamic.tf4.json").rope.type, RopeType::dynamic);
  EXPECT_EQ(load_model_config(kHfConfigs + "llama-bf16.tf5.json").weights_dtype, "bfloat16");
  EXPECT_EQ(load_model_config(kHfConfigs + "llama-tied.tf5.json").num_kv_heads, 4);
  EXPECT_EQ(load_generation_config(kHfConfigs + "generation_config.json").eos_token_ids,
            (std::vector<int64_t>{0}));
}

TEST(GenerationConfig, Parses) {
  const GenerationConfig g = load_generation_config(kConfigs + "generation_config.json");
  EXPECT_EQ(g.bos_token_id, 151643);
  EXPECT_EQ(g.eos_token_ids, (std::vector<int64_t>{151645, 151643}));
  EXPECT_EQ(g.do_sample, true);
  EXPECT_EQ(g.temperature, 0.6);
  EXPECT_EQ(g.top_k, 20);
  EXPECT_EQ(g.top_p, 0.95);
  EXPECT_FALSE(g.min_p.has_value());
  const GenerationConfig tiny =
      load_generation_config(std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-lm/generation_config.json");
  EXPECT_EQ(tiny.eos_token_ids, (std::vector<int64_t>{2, 0}));
  try {
    parse_generation_config(R"({"temperature": "hot"})");
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_THAT(e.what(), HasSubstr("temperature: expected a number"));
  }
}

}  // namespace
}  // namespace chunkwise::model
