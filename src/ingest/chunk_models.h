// The engine's own models behind the model-driven chunkers: an Embedder as the semantic chunker's sentence
// encoder, a causal DecoderModel as the perplexity chunker's scorer. `load_chunker_models` opens the model
// directory a chunker configuration needs (none for the other chunkers).
#pragma once

#include <filesystem>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/decoder_model.h"
#include "model/embedder.h"
#include "runtime/kv_cache.h"
#include "text/chunk/chunker.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::ingest {

// Texts are truncated to the model's length limit (a window of sentences rarely reaches it). The model's own
// pooling is used; a causal LM without one (no 1_Pooling) is mean-pooled.
class EmbedderSentenceEncoder : public text::SentenceEncoder {
 public:
  explicit EmbedderSentenceEncoder(const std::filesystem::path& dir);
  std::vector<std::vector<float>> embed(std::span<const std::string> texts) const override;
  std::string describe() const override { return fingerprint_; }

 private:
  model::Embedder embedder_;
  std::string fingerprint_;
};

struct PerplexityScorerOptions {
  int64_t context_tokens = 1024;  // the longest context a token is scored in (capped by the model's)
  int64_t pass_tokens = 128;      // tokens per forward pass (bounds the logits held at once)
};

// Scores the document as one token stream: each unit's tokens are the text from the previous unit's end to
// its own end, encoded without special tokens (the model's BOS, if it has one, starts the stream). A token is
// scored given up to `context_tokens` tokens before it: when the stream outgrows the context, the next window
// starts half a context back (those tokens are context only, already scored).
class DecoderPerplexityScorer : public text::PerplexityScorer {
 public:
  // Error(invalid_input) for a model without a language-model head.
  explicit DecoderPerplexityScorer(const std::filesystem::path& dir,
                                   const PerplexityScorerOptions& options = {});
  std::vector<double> log_perplexities(std::string_view text,
                                       std::span<const text::Span> units) const override;
  std::string describe() const override { return fingerprint_; }

 private:
  model::DecoderModel model_;
  text::Tokenizer tokenizer_;
  PerplexityScorerOptions options_;
  std::string fingerprint_;
  mutable std::mutex mutex_;  // one document at a time through the cache
  mutable std::optional<runtime::KvCache> cache_;
};

// The models `config` needs, loaded from `model_dir`: Error(invalid_input) if the chunker needs a model and
// `model_dir` is empty, or is given to a chunker that takes none.
text::ChunkerModels load_chunker_models(const text::ChunkerConfig& config,
                                        const std::filesystem::path& model_dir);

}  // namespace chunkwise::ingest
