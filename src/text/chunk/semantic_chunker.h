// Semantic chunking as LlamaIndex's SemanticSplitterNodeParser and chonkie's SemanticChunker do it: embed
// every sentence together with `window` sentences on each side, measure the cosine distance between each
// sentence's window and the next one's, and end a chunk where the distance is unusually large — above the
// `percentile`-th percentile of the document's distances (LlamaIndex's rule, numpy's linear interpolation),
// or, with `similarity` set, where the similarity falls below it (chonkie's rule). A run of sentences longer
// than `size` words is packed into chunks of at most `size` words at sentence boundaries (a sentence longer
// than that is cut at words first). No overlap. Chunks never begin or end with whitespace.
#pragma once

#include <memory>
#include <optional>
#include <vector>

#include "text/chunk/chunker.h"
#include "text/chunk/sentence_models.h"

namespace chunkwise::text {

struct SemanticChunkerOptions {
  size_t size = 256;                 // words at most per chunk
  size_t window = 1;                 // sentences on each side embedded with a sentence
  double percentile = 95;            // in [0, 100]
  std::optional<double> similarity;  // in [-1, 1]; replaces the percentile rule when set
};

class SemanticChunker : public Chunker {
 public:
  // Error(invalid_input) for out-of-range options or a missing encoder.
  SemanticChunker(const SemanticChunkerOptions& options, std::shared_ptr<const SentenceEncoder> encoder);
  std::string describe() const override;

 protected:
  std::vector<Span> split(std::string_view text, const TextMasks& masks,
                          const DocumentStructure& structure) const override;

 private:
  SemanticChunkerOptions options_;
  std::shared_ptr<const SentenceEncoder> encoder_;
};

// Cosine distance (1 - cosine similarity) between consecutive vectors: n - 1 values for n vectors. A zero,
// non-finite or mismatched vector counts as unrelated (distance 1).
std::vector<double> consecutive_distances(const std::vector<std::vector<float>>& vectors);

// Indexes i of the distances (between unit i and i + 1) at which a chunk ends, ascending.
std::vector<size_t> semantic_breakpoints(const std::vector<double>& distances,
                                         const SemanticChunkerOptions& options);

// The p-th percentile (p in [0, 100]) of `values` with linear interpolation between order statistics, as
// numpy.percentile computes it; `values` non-empty.
double percentile(std::vector<double> values, double p);

}  // namespace chunkwise::text
