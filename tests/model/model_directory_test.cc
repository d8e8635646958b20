#include "model/model_directory.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>

#include "common/error.h"
#include "support/expect_error.h"
#include "model/model_summary.h"
#include "safetensors_writer.h"

namespace chunkwise::model {
namespace {

using testing::decoder_config;
using testing::decoder_tensors;
using testing::DecoderShape;
using chunkwise::testing::expect_error;
using testing::fresh_dir;
using ::testing::HasSubstr;
using testing::make_tensor;
using testing::safetensors_bytes;
using testing::write_file;
using testing::write_model_dir;

void erase_tensor(std::vector<testing::TensorBytes>& tensors, const std::string& name) {
  std::erase_if(tensors, [&](const auto& t) { return t.name == name; });
}

testing::TensorBytes& tensor_named(std::vector<testing::TensorBytes>& tensors, const std::string& name) {
  return *std::find_if(tensors.begin(), tensors.end(), [&](const auto& t) { return t.name == name; });
}

TEST(ModelDirectory, OpensLlamaWithGqa) {
  const auto dir = fresh_dir("llama");
  const DecoderShape shape;
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), decoder_tensors(shape));
  write_file(dir / "generation_config.json", R"({"eos_token_id": [2, 3], "temperature": 0.7})");
  const ModelDirectory model = open_model_directory(dir);
  EXPECT_EQ(model.config.num_kv_heads, 2);
  ASSERT_TRUE(model.generation.has_value());
  EXPECT_EQ(model.generation->eos_token_ids, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(model.tensor_prefix, "model.");
  EXPECT_TRUE(model.unused_tensors.empty());
  const auto& spec = std::get<DecoderSpec>(model.weights);
  ASSERT_EQ(spec.layers.size(), 2u);
  EXPECT_EQ(spec.layers[1].attention.k.weight.name, "model.layers.1.self_attn.k_proj.weight");
  EXPECT_EQ(spec.layers[1].attention.k.weight.shape, (std::vector<int64_t>{8, 16}));
  ASSERT_TRUE(spec.lm_head.has_value());

  const ModelSummary summary = summarize(model);
  // embed 32*16, per layer: 2 norms 16 each, q 16*16, k/v 8*16 each, o 16*16, mlp 3 * 24*16; final norm;
  // lm_head.
  const int64_t per_layer = 2 * 16 + 256 + 2 * 128 + 256 + 3 * 384;
  EXPECT_EQ(summary.parameter_count, 2 * 512 + 2 * per_layer + 16);
  EXPECT_EQ(summary.weight_bytes, static_cast<uint64_t>(summary.parameter_count) * 4);
  EXPECT_EQ(summary.tensor_count, 1 + 2 * 9 + 1 + 1);
  ASSERT_EQ(summary.dtypes.size(), 1u);
  EXPECT_EQ(summary.dtypes[0].dtype, DType::f32);
  // 2 (K, V) * layers * kv_dim * 1024 tokens * bytes
  EXPECT_EQ(summary.kv_cache_bytes_per_1k_f32, 2u * 2 * 8 * 1024 * 4);
  EXPECT_EQ(summary.kv_cache_bytes_per_1k_f16, 2u * 2 * 8 * 1024 * 2);

  const std::string text = format_summary(model, summary);
  EXPECT_THAT(text, HasSubstr("LlamaForCausalLM"));
  EXPECT_THAT(text, HasSubstr("GQA 2:1"));
  const auto json = summary_json(model, summary);
  EXPECT_EQ(json["parameters"], summary.parameter_count);
  EXPECT_EQ(json["num_kv_heads"], 2);
  EXPECT_EQ(json["rope"]["type"], "default");
  EXPECT_EQ(json["kv_cache_bytes_per_1k_tokens"]["f16"], summary.kv_cache_bytes_per_1k_f16);
}

TEST(ModelDirectory, MissingTensorNamesFileAndTensor) {
  const auto dir = fresh_dir("missing");
  const DecoderShape shape;
  auto tensors = decoder_tensors(shape);
  erase_tensor(tensors, "model.layers.1.mlp.up_proj.weight");
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), tensors);
  expect_error(
      [&] { open_model_directory(dir); }, ErrorKind::invalid_input,
      "model.safetensors: missing tensor 'model.layers.1.mlp.up_proj.weight' (expected shape [24, 16])");
}

TEST(ModelDirectory, WrongShapeNamesFileAndTensor) {
  const auto dir = fresh_dir("shape");
  DecoderShape shape;
  auto tensors = decoder_tensors(shape);
  tensor_named(tensors, "model.layers.0.self_attn.k_proj.weight") =
      make_tensor("model.layers.0.self_attn.k_proj.weight", "F32", {16, 16});
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), tensors);
  expect_error(
      [&] { open_model_directory(dir); }, ErrorKind::invalid_input,
      "model.safetensors: tensor 'model.layers.0.self_attn.k_proj.weight': shape [16, 16], expected [8, 16]");
}

TEST(ModelDirectory, UnsupportedDtype) {
  const auto dir = fresh_dir("dtype");
  DecoderShape shape;
  auto tensors = decoder_tensors(shape);
  tensor_named(tensors, "model.norm.weight") = make_tensor("model.norm.weight", "I8", {16});
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), tensors);
  expect_error([&] { open_model_directory(dir); }, ErrorKind::unsupported,
               "tensor 'model.norm.weight': dtype I8 is not supported");
}

TEST(ModelDirectory, Bf16AndF16WeightsAndExtraTensors) {
  const auto dir = fresh_dir("bf16");
  DecoderShape shape;
  shape.dtype = "BF16";
  auto tensors = decoder_tensors(shape);
  tensor_named(tensors, "model.norm.weight") = make_tensor("model.norm.weight", "F16", {16});
  tensors.push_back(make_tensor("model.layers.0.self_attn.rotary_emb.inv_freq", "F32", {2}));
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), tensors);
  const ModelDirectory model = open_model_directory(dir);
  EXPECT_EQ(model.unused_tensors, (std::vector<std::string>{"model.layers.0.self_attn.rotary_emb.inv_freq"}));
  const ModelSummary summary = summarize(model);
  EXPECT_EQ(summary.dtypes.size(), 2u);
  EXPECT_EQ(summary.weight_bytes * 2, summary.weight_bytes_f32);
  EXPECT_EQ(summary.unused_tensor_count, 1);
}

TEST(ModelDirectory, Qwen2NeedsQkvBias) {
  const auto dir = fresh_dir("qwen2");
  DecoderShape shape;
  shape.qkv_bias = true;
  auto config = decoder_config("Qwen2ForCausalLM", shape);
  config.erase("head_dim");  // Qwen2 has none: hidden / heads = 4
  write_model_dir(dir, config, decoder_tensors(shape));
  const ModelDirectory model = open_model_directory(dir);
  const auto& attention = std::get<DecoderSpec>(model.weights).layers[0].attention;
  ASSERT_TRUE(attention.q.bias.has_value());
  EXPECT_FALSE(attention.o.bias.has_value());

  auto tensors = decoder_tensors(shape);
  erase_tensor(tensors, "model.layers.1.self_attn.v_proj.bias");
  write_model_dir(dir, config, tensors);
  expect_error([&] { open_model_directory(dir); }, ErrorKind::invalid_input,
               "missing tensor 'model.layers.1.self_attn.v_proj.bias'");
}

TEST(ModelDirectory, Qwen3QkNormAndWideHeads) {
  const auto dir = fresh_dir("qwen3");
  DecoderShape shape;
  shape.qk_norm = true;
  shape.head_dim = 8;  // heads * head_dim = 32 != hidden 16
  write_model_dir(dir, decoder_config("Qwen3ForCausalLM", shape), decoder_tensors(shape));
  const ModelDirectory model = open_model_directory(dir);
  const auto& layer = std::get<DecoderSpec>(model.weights).layers[0];
  ASSERT_TRUE(layer.attention.q_norm.has_value());
  EXPECT_EQ(layer.attention.q_norm->weight.shape, (std::vector<int64_t>{8}));
  EXPECT_EQ(layer.attention.o.weight.shape, (std::vector<int64_t>{16, 32}));

  auto tensors = decoder_tensors(shape);
  erase_tensor(tensors, "model.layers.0.self_attn.k_norm.weight");
  write_model_dir(dir, decoder_config("Qwen3ForCausalLM", shape), tensors);
  expect_error([&] { open_model_directory(dir); }, ErrorKind::invalid_input,
               "missing tensor 'model.layers.0.self_attn.k_norm.weight'");
}

TEST(ModelDirectory, TiedEmbeddings) {
  const auto dir = fresh_dir("tied");
  DecoderShape shape;
  shape.lm_head = false;
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), decoder_tensors(shape));
  const ModelDirectory model = open_model_directory(dir);
  EXPECT_FALSE(std::get<DecoderSpec>(model.weights).lm_head.has_value());

  auto config = decoder_config("LlamaForCausalLM", shape);
  config["tie_word_embeddings"] = false;
  write_model_dir(dir, config, decoder_tensors(shape));
  expect_error([&] { open_model_directory(dir); }, ErrorKind::invalid_input,
               "missing tensor 'lm_head.weight'");
}

TEST(ModelDirectory, BareDecoderWithoutPrefix) {
  const auto dir = fresh_dir("bare");
  DecoderShape shape;
  shape.lm_head = false;
  auto tensors = decoder_tensors(shape);
  for (auto& tensor : tensors) tensor.name = tensor.name.substr(std::string("model.").size());
  write_model_dir(dir, decoder_config("Qwen3Model", shape), tensors);
  // Qwen3Model needs q/k norm too: the layout is the architecture's, only the prefix changes.
  expect_error([&] { open_model_directory(dir); }, ErrorKind::invalid_input,
               "missing tensor 'layers.0.self_attn.q_norm.weight'");
  write_model_dir(dir, decoder_config("LlamaModel", shape), tensors);
  const ModelDirectory model = open_model_directory(dir);
  EXPECT_EQ(model.tensor_prefix, "");
}

TEST(ModelDirectory, ShardedModel) {
  const auto dir = fresh_dir("sharded_model");
  const DecoderShape shape;
  const auto tensors = decoder_tensors(shape);
  const size_t half = tensors.size() / 2;
  const std::vector<testing::TensorBytes> first(tensors.begin(), tensors.begin() + half);
  const std::vector<testing::TensorBytes> second(tensors.begin() + half, tensors.end());
  write_file(dir / "config.json", decoder_config("LlamaForCausalLM", shape).dump());
  write_file(dir / "model-00001-of-00002.safetensors", safetensors_bytes(first));
  write_file(dir / "model-00002-of-00002.safetensors", safetensors_bytes(second));
  nlohmann::json index{{"metadata", {{"total_size", 0}}}, {"weight_map", nlohmann::json::object()}};
  for (const auto& t : first) index["weight_map"][t.name] = "model-00001-of-00002.safetensors";
  for (const auto& t : second) index["weight_map"][t.name] = "model-00002-of-00002.safetensors";
  write_file(dir / "model.safetensors.index.json", index.dump());
  const ModelDirectory model = open_model_directory(dir);
  EXPECT_EQ(model.checkpoint.files().size(), 2u);

  // A shape error in the second shard names that shard.
  auto broken = second;
  broken.back() = make_tensor(broken.back().name, "F32", {3});
  write_file(dir / "model-00002-of-00002.safetensors", safetensors_bytes(broken));
  expect_error([&] { open_model_directory(dir); }, ErrorKind::invalid_input,
               "model-00002-of-00002.safetensors: tensor '" + broken.back().name + "': shape [3]");

  // A truncated shard.
  std::string bytes = safetensors_bytes(second);
  bytes.resize(bytes.size() - 1);
  write_file(dir / "model-00002-of-00002.safetensors", bytes);
  expect_error([&] { open_model_directory(dir); }, ErrorKind::invalid_input,
               "model-00002-of-00002.safetensors: tensor '" + second.back().name + "': data_offsets");
}

TEST(ModelDirectory, BertEncoder) {
  const auto dir = fresh_dir("bert");
  const int64_t hidden = 8, inter = 16, vocab = 20, positions = 12;
  nlohmann::json config{
      {"architectures", {"BertModel"}},       {"vocab_size", vocab},    {"hidden_size", hidden},
      {"intermediate_size", inter},           {"num_hidden_layers", 1}, {"num_attention_heads", 2},
      {"max_position_embeddings", positions}, {"type_vocab_size", 2},   {"hidden_act", "gelu"}};
  std::vector<testing::TensorBytes> tensors;
  auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    tensors.push_back(make_tensor("bert." + name, "F32", std::move(shape)));
  };
  add("embeddings.word_embeddings.weight", {vocab, hidden});
  add("embeddings.position_embeddings.weight", {positions, hidden});
  add("embeddings.token_type_embeddings.weight", {2, hidden});
  add("embeddings.LayerNorm.weight", {hidden});
  add("embeddings.LayerNorm.bias", {hidden});
  for (const char* m :
       {"attention.self.query", "attention.self.key", "attention.self.value", "attention.output.dense"}) {
    add(std::string("encoder.layer.0.") + m + ".weight", {hidden, hidden});
    add(std::string("encoder.layer.0.") + m + ".bias", {hidden});
  }
  add("encoder.layer.0.attention.output.LayerNorm.weight", {hidden});
  add("encoder.layer.0.attention.output.LayerNorm.bias", {hidden});
  add("encoder.layer.0.intermediate.dense.weight", {inter, hidden});
  add("encoder.layer.0.intermediate.dense.bias", {inter});
  add("encoder.layer.0.output.dense.weight", {hidden, inter});
  add("encoder.layer.0.output.dense.bias", {hidden});
  add("encoder.layer.0.output.LayerNorm.weight", {hidden});
  add("encoder.layer.0.output.LayerNorm.bias", {hidden});
  add("pooler.dense.weight", {hidden, hidden});
  write_model_dir(dir, config, tensors);
  const ModelDirectory model = open_model_directory(dir);
  EXPECT_EQ(model.tensor_prefix, "bert.");
  EXPECT_EQ(model.unused_tensors, (std::vector<std::string>{"bert.pooler.dense.weight"}));
  const ModelSummary summary = summarize(model);
  EXPECT_EQ(summary.kv_cache_bytes_per_1k_f32, 0u);
  EXPECT_EQ(summary_json(model, summary)["family"], "encoder");
}

TEST(ModelDirectory, MissingPieces) {
  const auto dir = fresh_dir("pieces");
  expect_error([&] { open_model_directory(dir / "absent"); }, ErrorKind::not_found,
               "no such model directory");
  expect_error([&] { open_model_directory(dir); }, ErrorKind::not_found, "config.json: no such file");
  write_file(dir / "config.json", decoder_config("LlamaForCausalLM", DecoderShape{}).dump());
  expect_error([&] { open_model_directory(dir); }, ErrorKind::not_found, "no model.safetensors");
  write_file(dir / "config.json", R"({"architectures": ["GPT2LMHeadModel"]})");
  expect_error([&] { open_model_directory(dir); }, ErrorKind::unsupported,
               "config.json: architecture 'GPT2LMHeadModel' is not supported");
}

// The real tiny-lm checkpoint, when the shared model directory is present (not part of the repository).
// The trained tiny model lives in ../shared beside the project (developers' and CI machines have it; a bare
// clone does not, and then this one test is skipped: the model is 25 MB, too big for the repository).
TEST(ModelDirectory, SharedTinyLm) {
  const std::filesystem::path dir = std::filesystem::path(CHUNKWISE_SOURCE_DIR) / "../shared/models/tiny-lm";
  if (!std::filesystem::exists(dir / "model.safetensors")) GTEST_SKIP() << dir << " not present";
  const ModelDirectory model = open_model_directory(dir);
  const ModelSummary summary = summarize(model);
  EXPECT_EQ(summary.tensor_count, 1 + 6 * 9 + 1);  // tied: no lm_head
  EXPECT_EQ(summary.dtypes.size(), 1u);
  EXPECT_EQ(summary.dtypes[0].dtype, DType::bf16);
  EXPECT_EQ(summary.weight_bytes, 25175808u);
  EXPECT_TRUE(model.unused_tensors.empty());
}

// `chunkwise inspect` end to end, when the binary has been built alongside.
std::pair<int, std::string> run_binary(const std::string& args) {
  const std::string command = std::string(CHUNKWISE_BINARY) + " " + args + " 2>&1";
  FILE* pipe = popen(command.c_str(), "r");
  std::string output;
  char buffer[4096];
  for (size_t n; (n = fread(buffer, 1, sizeof buffer, pipe)) > 0;) output.append(buffer, n);
  const int status = pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, output};
}

TEST(InspectCli, ReportsAndFails) {
  const auto dir = fresh_dir("cli");
  DecoderShape shape;
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), decoder_tensors(shape));
  const auto [code, out] = run_binary("inspect --model " + dir.string());
  EXPECT_EQ(code, 0) << out;
  EXPECT_THAT(out, HasSubstr("LlamaForCausalLM"));
  EXPECT_THAT(out, HasSubstr("kv cache / 1k tokens"));
  const auto [json_code, json_out] = run_binary("inspect --json --model " + dir.string());
  EXPECT_EQ(json_code, 0) << json_out;
  EXPECT_EQ(nlohmann::json::parse(json_out)["num_layers"], 2);

  const auto [missing_code, missing_out] = run_binary("inspect --model " + (dir / "absent").string());
  EXPECT_EQ(missing_code, 2);
  EXPECT_THAT(missing_out, HasSubstr("chunkwise: error:"));
  auto tensors = decoder_tensors(shape);
  erase_tensor(tensors, "model.norm.weight");
  write_model_dir(dir, decoder_config("LlamaForCausalLM", shape), tensors);
  const auto [bad_code, bad_out] = run_binary("inspect --model " + dir.string());
  EXPECT_EQ(bad_code, 2);
  EXPECT_THAT(bad_out, HasSubstr("missing tensor 'model.norm.weight'"));
  const auto [usage_code, usage_out] = run_binary("inspect");
  EXPECT_EQ(usage_code, 2);
}

}  // namespace
}  // namespace chunkwise::model
