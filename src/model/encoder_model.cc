#include "model/encoder_model.h"

#include <fmt/format.h>

#include "common/error.h"
#include "model/weights.h"
#include "runtime/ops/add.h"
#include "runtime/ops/embedding.h"

namespace chunkwise::model {

namespace {

runtime::GeluApproximation encoder_activation(const ModelConfig& config) {
  switch (config.activation) {
    case Activation::gelu:
      return runtime::GeluApproximation::exact;
    case Activation::gelu_tanh:
      return runtime::GeluApproximation::tanh;
    case Activation::silu:
    case Activation::relu:
      break;
  }
  fail(ErrorKind::unsupported,
       "hidden_act {} is not supported for encoders (gelu, gelu_new, gelu_pytorch_tanh)",
       to_string(config.activation));
}

}  // namespace

void EncoderBatch::add_sequence(std::span<const int32_t> ids) {
  tokens.insert(tokens.end(), ids.begin(), ids.end());
  sequence_offsets.push_back(int32_t(tokens.size()));
}

EncoderModel::EncoderModel(std::shared_ptr<const ModelDirectory> directory)
    : directory_(std::move(directory)) {
  const auto* spec = std::get_if<EncoderSpec>(&directory_->weights);
  if (spec == nullptr)
    fail(ErrorKind::invalid_input, "{}: {} is a decoder, not an encoder", directory_->path.string(),
         directory_->config.architecture_name);
  const Checkpoint& checkpoint = directory_->checkpoint;
  const ModelConfig& config = directory_->config;
  activation_ = encoder_activation(config);
  // transformers' XLM-RoBERTa numbers the tokens of an unpadded sequence from padding_idx + 1.
  if (config.architecture == Architecture::xlm_roberta)
    position_offset_ = config.pad_token_id.value_or(1) + 1;
  if (max_sequence_length() < 1)
    fail(ErrorKind::invalid_input, "{}: max_position_embeddings {} leaves no position for tokens (offset {})",
         directory_->path.string(), config.max_position_embeddings, position_offset_);
  word_embeddings_ = bind_weight(checkpoint, spec->word_embeddings);
  position_embeddings_ = bind_weight(checkpoint, spec->position_embeddings);
  token_type_embeddings_ = bind_weight(checkpoint, spec->token_type_embeddings);
  embeddings_norm_ = LayerNorm::bind(checkpoint, spec->embeddings_norm, config.norm_eps);
  for (const EncoderLayerSpec& layer : spec->layers) {
    layers_.push_back({EncoderSelfAttention::bind(checkpoint, layer.attention, config),
                       LayerNorm::bind(checkpoint, layer.attention_norm, config.norm_eps),
                       Linear::bind(checkpoint, layer.intermediate), Linear::bind(checkpoint, layer.output),
                       LayerNorm::bind(checkpoint, layer.output_norm, config.norm_eps)});
  }
}

EncoderModel EncoderModel::load(const std::filesystem::path& dir) {
  return EncoderModel(std::make_shared<const ModelDirectory>(open_model_directory(dir)));
}

runtime::Tensor EncoderModel::hidden_states(const EncoderBatch& batch) const {
  const std::vector<int32_t>& offsets = batch.sequence_offsets;
  if (batch.tokens.empty() || offsets.size() < 2)
    fail(ErrorKind::invalid_input, "encoder batch has no tokens");
  if (offsets.front() != 0 || offsets.back() != int32_t(batch.tokens.size()))
    fail(ErrorKind::invalid_input, "encoder batch: sequence offsets must run from 0 to the token count {}",
         batch.tokens.size());
  std::vector<int32_t> positions;
  positions.reserve(batch.tokens.size());
  for (size_t s = 0; s + 1 < offsets.size(); ++s) {
    const int64_t length = int64_t(offsets[s + 1]) - offsets[s];
    if (length <= 0) fail(ErrorKind::invalid_input, "encoder batch: sequence {} has no tokens", s);
    if (length > max_sequence_length())
      fail(ErrorKind::invalid_input, "encoder batch: sequence {} has {} tokens; {} takes at most {}", s,
           length, config().architecture_name, max_sequence_length());
    for (int64_t p = 0; p < length; ++p) positions.push_back(int32_t(position_offset_ + p));
  }

  const auto tokens = int64_t(batch.tokens.size());
  const runtime::Device device = runtime::Device::cpu;
  const runtime::Tensor ids = runtime::from_host(batch.tokens.data(), {tokens}, runtime::DType::i32, device);
  runtime::Tensor hidden = runtime::embedding(ids, word_embeddings_, "token_embd");
  if (token_type_embeddings_.defined()) {
    const std::vector<int32_t> types(batch.tokens.size(), 0);  // one segment: token type 0 everywhere
    const runtime::Tensor type_ids = runtime::from_host(types.data(), {tokens}, runtime::DType::i32, device);
    runtime::add_inplace(hidden, runtime::embedding(type_ids, token_type_embeddings_, "token_type_embd"),
                         "embd_type_sum");
  }
  const runtime::Tensor position_ids =
      runtime::from_host(positions.data(), {tokens}, runtime::DType::i32, device);
  runtime::add_inplace(hidden, runtime::embedding(position_ids, position_embeddings_, "position_embd"),
                       "embd_sum");
  hidden = embeddings_norm_(hidden, "embd_norm");

  for (size_t l = 0; l < layers_.size(); ++l) {
    const EncoderLayer& layer = layers_[l];
    const std::string prefix = fmt::format("layer{}.", l);
    runtime::Tensor attention = layer.attention(hidden, offsets, prefix);
    runtime::add_inplace(attention, hidden, prefix + "attn_residual");
    hidden = layer.attention_norm(attention, prefix + "attn_norm");
    const runtime::Tensor up = layer.intermediate(hidden, prefix + "ffn_up");
    runtime::Tensor mlp =
        layer.output(runtime::gelu(up, activation_, prefix + "ffn_act"), prefix + "ffn_out");
    runtime::add_inplace(mlp, hidden, prefix + "ffn_residual");
    hidden = layer.output_norm(mlp, prefix + "ffn_norm");
  }
  return hidden;
}

}  // namespace chunkwise::model
