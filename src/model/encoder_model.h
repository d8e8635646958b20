// A BERT-style encoder (BertModel, XLMRobertaModel), built from the checkpoint by composing the shared
// layers: embeddings (word + token type 0 + absolute position, then LayerNorm), then per layer, post-norm:
//   x = LayerNorm(x + O(attention(x)));  x = LayerNorm(x + Output(gelu(Intermediate(x))))
// with bidirectional attention inside each sequence. Forward passes take several sequences packed into one
// batch; each sequence's positions start at 0 (XLM-RoBERTa: at pad_token_id + 1, as transformers computes
// them for unpadded input). The result is transformers' last_hidden_state (no pooler).
// Named outputs for debug dumps: token_embd, token_type_embd, embd_type_sum, position_embd, embd_sum,
// embd_norm, then per layer layerN.attn_{q,k,v}, layerN.attn, layerN.attn_out, layerN.attn_residual,
// layerN.attn_norm (the post-attention LayerNorm), layerN.ffn_up, layerN.ffn_act, layerN.ffn_out,
// layerN.ffn_residual and layerN.ffn_norm (the layer's output).
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <vector>

#include "model/layers/encoder_self_attention.h"
#include "model/layers/layer_norm.h"
#include "model/layers/linear.h"
#include "model/model_directory.h"
#include "runtime/ops/gelu.h"

namespace chunkwise::model {

// Token ids of several sequences, one after another: sequence s is tokens [offsets[s], offsets[s + 1]).
struct EncoderBatch {
  std::vector<int32_t> tokens;
  std::vector<int32_t> sequence_offsets{0};

  void add_sequence(std::span<const int32_t> ids);
  size_t sequence_count() const { return sequence_offsets.size() - 1; }
};

struct EncoderLayer {
  EncoderSelfAttention attention;
  LayerNorm attention_norm;
  Linear intermediate, output;
  LayerNorm output_norm;
};

class EncoderModel {
 public:
  // Binds the directory's weights (memory-mapped; the model keeps the directory alive). Throws
  // Error(invalid_input) if the directory holds a decoder and Error(unsupported) for an activation other than
  // gelu / gelu_new / gelu_pytorch_tanh.
  explicit EncoderModel(std::shared_ptr<const ModelDirectory> directory);
  static EncoderModel load(const std::filesystem::path& dir);

  const ModelConfig& config() const { return directory_->config; }
  const ModelDirectory& directory() const { return *directory_; }
  // The longest sequence the position embeddings cover: max_position_embeddings, less XLM-RoBERTa's offset.
  int64_t max_sequence_length() const { return config().max_position_embeddings - position_offset_; }

  // last_hidden_state of every token of the batch: f32 [T, hidden_size]. Error(invalid_input) for an empty
  // batch or sequence, a sequence longer than max_sequence_length() or an id outside the vocabulary.
  runtime::Tensor hidden_states(const EncoderBatch& batch) const;

 private:
  std::shared_ptr<const ModelDirectory> directory_;
  runtime::Tensor word_embeddings_, position_embeddings_,
      token_type_embeddings_;  // the last may be undefined
  LayerNorm embeddings_norm_;
  std::vector<EncoderLayer> layers_;
  runtime::GeluApproximation activation_ = runtime::GeluApproximation::exact;
  int64_t position_offset_ = 0;
};

}  // namespace chunkwise::model
