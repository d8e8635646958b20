// A decoder-only transformer of the Llama family (Llama, Mistral, Qwen2, Qwen3), built from the checkpoint
// by composing the shared layers; what differs between these architectures (biases, q/k norm, sliding
// window, RoPE scaling, tied embeddings) is data in ModelConfig, resolved from the architecture table.
// Forward passes take a ForwardBatch (several sequences, explicit positions) and a paged KV cache.
#pragma once

#include <memory>
#include <vector>

#include "model/forward_batch.h"
#include "model/layers/gated_mlp.h"
#include "model/layers/rms_norm.h"
#include "model/layers/rotary_embedding.h"
#include "model/layers/self_attention.h"
#include "model/model_directory.h"
#include "runtime/kv_cache.h"

namespace chunkwise::model {

struct DecoderLayer {
  RmsNorm input_norm;
  SelfAttention attention;
  RmsNorm post_attention_norm;
  GatedMlp mlp;
};

class DecoderModel {
 public:
  // Binds the directory's weights (memory-mapped; the model keeps the directory alive). Throws
  // Error(invalid_input) if the directory holds an encoder.
  explicit DecoderModel(std::shared_ptr<const ModelDirectory> directory);
  static DecoderModel load(const std::filesystem::path& dir);

  const ModelConfig& config() const { return directory_->config; }
  const ModelDirectory& directory() const { return *directory_; }
  bool has_lm_head() const { return config().has_lm_head; }

  // A cache with room for num_blocks * block_size token positions over all sequences (f32).
  runtime::KvCacheShape kv_cache_shape(int num_blocks, int block_size = 16) const;

  // Final hidden states (after the final norm) of the batch's output rows: f32 [R, hidden_size]. Writes the
  // batch's keys and values into `cache`.
  runtime::Tensor hidden_states(const ForwardBatch& batch, runtime::KvCache& cache) const;
  // Logits of the output rows: f32 [R, vocab_size]. Error(invalid_input) for a model without an LM head.
  runtime::Tensor logits(const ForwardBatch& batch, runtime::KvCache& cache) const;

 private:
  std::shared_ptr<const ModelDirectory> directory_;
  runtime::Tensor embed_tokens;
  std::vector<DecoderLayer> layers_;
  RmsNorm final_norm_;
  runtime::Tensor lm_head_;  // the embedding table when tied
  RotaryEmbedding rotary_;
};

}  // namespace chunkwise::model
