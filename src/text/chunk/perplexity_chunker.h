// Perplexity chunking after Meta-Chunking (Zhao et al., 2024): a small causal language model scores every
// sentence by its log-perplexity given the document before it; a sentence the model finds easier than both
// neighbours (a local minimum, by at least `threshold` nats on one side) ends a segment, since the sentence
// after it surprises the model more — a new topic begins. Then segments are merged to the length target:
// Meta-Chunking merges consecutive segments greedily; here the weakest boundaries go first (the smallest rise
// of log-perplexity across them), so that within `size` words the strongest topic shifts survive. Every
// other sentence boundary is weaker than any minimum, and a segment longer than `size` words is packed at
// sentence boundaries (a sentence longer than that is cut at words first). No overlap. Chunks never begin or
// end with whitespace.
#pragma once

#include <memory>
#include <span>
#include <vector>

#include "text/chunk/chunker.h"
#include "text/chunk/sentence_models.h"

namespace chunkwise::text {

struct PerplexityChunkerOptions {
  size_t size = 256;     // words at most per chunk
  double threshold = 0;  // nats per token, >= 0
};

class PerplexityChunker : public Chunker {
 public:
  // Error(invalid_input) for out-of-range options or a missing scorer.
  PerplexityChunker(const PerplexityChunkerOptions& options, std::shared_ptr<const PerplexityScorer> scorer);
  std::string describe() const override;

 protected:
  std::vector<Span> split(std::string_view text, const TextMasks& masks,
                          const DocumentStructure& structure) const override;

 private:
  PerplexityChunkerOptions options_;
  std::shared_ptr<const PerplexityScorer> scorer_;
};

// Meta-Chunking's minima: indexes i (0 < i < n - 1) with values[i] below values[i - 1] and values[i + 1] and
// a drop of at least `threshold` from one of them, or below values[i - 1] by `threshold` and equal to
// values[i + 1]. NaN values count as the largest finite value.
std::vector<size_t> perplexity_minima(std::span<const double> values, double threshold);

// Groups of consecutive units (first, last) covering all of them: boundaries after the `minima` merged
// weakest first (strength values[i + 1] - values[i]), every other boundary before them, while the merged
// group has at most `size` words. `words` per unit, each at most `size`.
struct UnitGroup {
  size_t first = 0;
  size_t last = 0;
};
std::vector<UnitGroup> merge_units(std::span<const size_t> words, std::span<const double> values,
                                   std::span<const size_t> minima, size_t size);

}  // namespace chunkwise::text
