// What the model-driven chunkers ask of a model, as interfaces, so that the chunking logic stays free of the
// runtime (src/ingest/chunk_models.h adapts the engine's own embedder and decoder; tests use small fakes).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/chunk/chunk.h"

namespace chunkwise::text {

// Embeddings of short texts (sentences or windows of a few sentences) for the semantic chunker.
class SentenceEncoder {
 public:
  virtual ~SentenceEncoder() = default;
  // One vector per text, in order, all of one dimension (need not be normalized).
  virtual std::vector<std::vector<float>> embed(std::span<const std::string> texts) const = 0;
  // What the vectors depend on (a model fingerprint), for the chunker's describe().
  virtual std::string describe() const = 0;
};

// A causal language model's surprise at each sentence of a document, for the perplexity chunker.
class PerplexityScorer {
 public:
  virtual ~PerplexityScorer() = default;
  // For each unit (in order, not overlapping, inside `text`): the mean negative log-likelihood in nats per
  // token of the unit's tokens (the text from the previous unit's end to this one's end) given the document
  // before them, as far back as the model's context allows; log-perplexity. NaN for a unit with no scored
  // token.
  virtual std::vector<double> log_perplexities(std::string_view text, std::span<const Span> units) const = 0;
  virtual std::string describe() const = 0;
};

}  // namespace chunkwise::text
