#include "model/decoder_model.h"

#include <fmt/format.h>

#include "common/error.h"
#include "model/weights.h"
#include "runtime/ops/add.h"
#include "runtime/ops/embedding.h"
#include "runtime/ops/gather_rows.h"
#include "runtime/ops/linear.h"

namespace chunkwise::model {

DecoderModel::DecoderModel(std::shared_ptr<const ModelDirectory> directory)
    : directory_(std::move(directory)) {
  const auto* spec = std::get_if<DecoderSpec>(&directory_->weights);
  if (spec == nullptr)
    fail(ErrorKind::invalid_input, "{}: {} is an encoder, not a decoder", directory_->path.string(),
         directory_->config.architecture_name);
  const Checkpoint& checkpoint = directory_->checkpoint;
  const ModelConfig& config = directory_->config;
  embed_tokens = bind_weight(checkpoint, spec->embed_tokens);
  for (size_t l = 0; l < spec->layers.size(); ++l) {
    const DecoderLayerSpec& layer = spec->layers[l];
    layers_.push_back({RmsNorm::bind(checkpoint, layer.input_norm, config.norm_eps),
                       SelfAttention::bind(checkpoint, layer.attention, config, int(l)),
                       RmsNorm::bind(checkpoint, layer.post_attention_norm, config.norm_eps),
                       GatedMlp::bind(checkpoint, layer.mlp)});
  }
  final_norm_ = RmsNorm::bind(checkpoint, spec->final_norm, config.norm_eps);
  if (config.has_lm_head) lm_head_ = spec->lm_head ? bind_weight(checkpoint, *spec->lm_head) : embed_tokens;
  rotary_ = RotaryEmbedding(config);
}

DecoderModel DecoderModel::load(const std::filesystem::path& dir) {
  return DecoderModel(std::make_shared<const ModelDirectory>(open_model_directory(dir)));
}

runtime::KvCacheShape DecoderModel::kv_cache_shape(int num_blocks, int block_size) const {
  return {int(config().num_layers), num_blocks, block_size, int(config().num_kv_heads),
          int(config().head_dim)};
}

runtime::Tensor DecoderModel::hidden_states(const ForwardBatch& batch, runtime::KvCache& cache) const {
  const runtime::KvCacheShape& shape = cache.shape();
  if (shape.num_layers != int(layers_.size()) || shape.kv_heads != int(config().num_kv_heads) ||
      shape.head_dim != int(config().head_dim))
    fail(ErrorKind::invalid_input,
         "KV cache has {} layers, {} kv heads of {} dims; the model needs {}, {} and {}", shape.num_layers,
         shape.kv_heads, shape.head_dim, layers_.size(), config().num_kv_heads, config().head_dim);
  batch.validate(config().vocab_size, shape.block_size);
  if (batch.tokens.empty()) fail(ErrorKind::invalid_input, "forward batch has no tokens");

  const runtime::Tensor ids = runtime::from_host(batch.tokens.data(), {int64_t(batch.tokens.size())},
                                                 runtime::DType::i32, cache.device());
  runtime::Tensor hidden = runtime::embedding(ids, embed_tokens, "token_embd");
  const RotaryEmbedding::Plan rotary_plan = rotary_.plan(batch);
  for (size_t l = 0; l < layers_.size(); ++l) {
    const DecoderLayer& layer = layers_[l];
    const std::string prefix = fmt::format("layer{}.", l);
    const runtime::Tensor attention = layer.attention(layer.input_norm(hidden, prefix + "attn_norm"), batch,
                                                      rotary_, rotary_plan, cache, int(l), prefix);
    runtime::add_inplace(hidden, attention, prefix + "attn_residual");
    const runtime::Tensor mlp = layer.mlp(layer.post_attention_norm(hidden, prefix + "ffn_norm"), prefix);
    runtime::add_inplace(hidden, mlp, prefix + "ffn_residual");
  }
  if (!batch.output_rows.empty()) hidden = runtime::gather_rows(hidden, batch.output_rows, "output_rows");
  return final_norm_(hidden, "output_norm");
}

runtime::Tensor DecoderModel::logits(const ForwardBatch& batch, runtime::KvCache& cache) const {
  if (!has_lm_head())
    fail(ErrorKind::invalid_input, "{} has no LM head (it is an embedding model): it cannot produce logits",
         config().architecture_name);
  return runtime::linear(hidden_states(batch, cache), lm_head_, nullptr, "output");
}

}  // namespace chunkwise::model
