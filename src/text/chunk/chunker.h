// The chunker interface: a document's text (valid UTF-8) and structure in, chunks out. Every chunker only
// decides where chunks begin and end; `Chunker::chunk` fills in the text, token count, headings path and page
// the same way for all of them. Chunk ids and the previous/next links are assigned by the store.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "text/chunk/chunk.h"
#include "text/chunk/sentence_models.h"
#include "text/chunk/text_masks.h"

namespace chunkwise::text {

class Chunker {
 public:
  virtual ~Chunker() = default;

  // Throws Error(invalid_input) if `text` is not valid UTF-8.
  std::vector<Chunk> chunk(std::string_view text, const DocumentStructure& structure = {}) const;

  // A short description of the chunker and its settings, e.g. "recursive size=1000 overlap=200 unit=chars";
  // the store re-chunks an unchanged document when this changes.
  virtual std::string describe() const = 0;

 protected:
  // The chunk boundaries of `text`, in order of `begin`; never an empty span. `masks` are the text's byte
  // classes (validated UTF-8). Only structure-aware chunkers look at `structure`.
  virtual std::vector<Span> split(std::string_view text, const TextMasks& masks,
                                  const DocumentStructure& structure) const = 0;
};

struct ChunkerConfig {
  std::string name = "recursive";  // token | sentence | recursive | structure | semantic | perplexity
  size_t size = 0;                 // 0: the chunker's default
  size_t overlap = 0;
  bool overlap_set = false;  // false: the chunker's default overlap
  // semantic: sentences embedded on each side of a sentence, and where a chunk ends (a percentile of the
  // distances between neighbouring sentences, or a similarity threshold)
  size_t window = 1;
  double percentile = 95;
  std::optional<double> similarity = std::nullopt;
  // perplexity: the least drop of log-perplexity (nats per token) that makes a local minimum a boundary
  double perplexity_threshold = 0;
};

// The models the semantic and perplexity chunkers run (src/ingest/chunk_models.h loads them).
struct ChunkerModels {
  std::shared_ptr<const SentenceEncoder> encoder;  // semantic
  std::shared_ptr<const PerplexityScorer> scorer;  // perplexity
};

// Whether the named chunker runs a model ("semantic", "perplexity").
bool chunker_needs_model(std::string_view name);

// Throws Error(invalid_input) for an unknown name, a zero size, an overlap not below the size (or any overlap
// for the semantic and perplexity chunkers, which have none), out-of-range settings, or a missing model.
std::unique_ptr<Chunker> make_chunker(const ChunkerConfig& config, const ChunkerModels& models = {});

// `span` of `text` without leading and trailing Unicode White_Space; empty (begin == end) if nothing else is
// left. `span` must lie on code point boundaries.
Span trim_white_space(std::string_view text, Span span);

// Number of maximal runs of non-whitespace (Unicode White_Space) code points.
size_t count_words(std::string_view text);

}  // namespace chunkwise::text
