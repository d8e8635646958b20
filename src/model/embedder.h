// Text embeddings for retrieval: tokenizer + model + pooling (+ L2 normalization), for
// - BERT-style encoders (bge, e5, MiniLM-class models): mean pooling by default, or CLS;
// - decoders used as embedders (Qwen3-Embedding and other bare *Model checkpoints without an LM head):
//   last-token pooling by default, over the final-norm hidden states, with a KV cache sized for the batch.
//
// The default pooling is the model directory's sentence-transformers configuration when it has one
// (1_Pooling/config.json: pooling_mode_cls_token, pooling_mode_mean_tokens or pooling_mode_lasttoken, or a
// "pooling_mode" string; exactly one may be set, and the other modes — max, mean_sqrt_len, weightedmean — are
// Error(unsupported)); without it, mean for encoders and last_token for decoders.
// A *ForCausalLM checkpoint (a language model with an LM head) is not taken for an embedding model: loading
// it is Error(invalid_input) unless a pooling is chosen explicitly or its directory has 1_Pooling (e.g.
// gte-Qwen2-style checkpoints); then its final-norm hidden states are pooled and the LM head is unused.
//
// Length: texts are tokenized with the tokenizer's special tokens ([CLS]/[SEP], an appended EOS, ...). The
// limit is max_position_embeddings (less XLM-RoBERTa's position offset), lowered to sentence-transformers'
// max_seq_length when sentence_bert_config.json gives one. A longer text is Error(invalid_input) naming the
// limit, or with `truncate` is cut to the limit as sentence-transformers does: the first tokens are kept and,
// when the last token is a special token ([SEP], </s>, <|endoftext|>), it stays last.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/model_directory.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::model {

class EncoderModel;
class DecoderModel;

enum class Pooling { mean, cls, last_token };
std::string_view to_string(Pooling pooling);  // "mean", "cls", "last_token"
// "mean", "cls", "last" or "last_token"; Error(invalid_input) otherwise.
Pooling parse_pooling(std::string_view name);

// The pooling the directory asks for (see above); nullopt for a *ForCausalLM without 1_Pooling.
std::optional<Pooling> default_pooling(const ModelDirectory& directory);

struct EmbedderOptions {
  std::optional<Pooling> pooling = std::nullopt;  // empty: default_pooling()
  bool normalize = true;                          // L2-normalize each embedding
  bool truncate = false;                          // cut texts longer than max_tokens() instead of failing
};

class Embedder {
 public:
  // Opens the model directory and its tokenizer. Error(not_found) for a missing directory,
  // Error(invalid_input) for a language model with no pooling chosen (see above).
  static Embedder load(const std::filesystem::path& dir, const EmbedderOptions& options = {});

  Embedder(Embedder&&) noexcept;
  Embedder& operator=(Embedder&&) noexcept;
  ~Embedder();

  Pooling pooling() const { return pooling_; }
  bool normalize() const { return options_.normalize; }
  int64_t dimension() const;  // hidden_size
  int64_t max_tokens() const { return max_tokens_; }
  const ModelDirectory& directory() const { return *directory_; }
  const text::Tokenizer& tokenizer() const { return tokenizer_; }

  // The ids one text is embedded from: special tokens added, the length limit applied (Error(invalid_input)
  // naming it, or truncation). An empty result (a text with no tokens) is Error(invalid_input).
  std::vector<int32_t> tokenize(std::string_view text) const;
  // One embedding of dimension() floats per text, in order; one forward pass for all of them (callers bound
  // the batch).
  std::vector<std::vector<float>> embed(std::span<const std::string> texts) const;
  // The same from ids (as tokenize() returns them); each sequence non-empty and at most max_tokens() long.
  std::vector<std::vector<float>> embed_tokens(std::span<const std::vector<int32_t>> sequences) const;

 private:
  Embedder(std::shared_ptr<const ModelDirectory> directory, text::Tokenizer tokenizer,
           const EmbedderOptions& options);
  // Final hidden states of the pooled rows, f32 [sequences, hidden] (mean: averaged over each sequence).
  std::vector<float> pooled_hidden_states(std::span<const std::vector<int32_t>> sequences) const;

  std::shared_ptr<const ModelDirectory> directory_;
  text::Tokenizer tokenizer_;
  EmbedderOptions options_;
  Pooling pooling_ = Pooling::mean;
  int64_t max_tokens_ = 0;
  std::string limit_source_ = "max_position_embeddings";  // where max_tokens_ comes from, for errors
  std::unique_ptr<EncoderModel> encoder_;                 // exactly one of the two is set
  std::unique_ptr<DecoderModel> decoder_;
};

}  // namespace chunkwise::model
