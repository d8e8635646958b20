#include "text/chunk/semantic_chunker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "common/error.h"
#include "text/chunk/sentence_chunker.h"

namespace chunkwise::text {

namespace {

constexpr size_t kEmbedBatch = 32;  // windows per call of the encoder

}  // namespace

SemanticChunker::SemanticChunker(const SemanticChunkerOptions& options,
                                 std::shared_ptr<const SentenceEncoder> encoder)
    : options_(options), encoder_(std::move(encoder)) {
  if (!encoder_)
    fail(ErrorKind::invalid_input, "the semantic chunker needs an embedding model (--model DIR)");
  if (options.size == 0) fail(ErrorKind::invalid_input, "semantic chunker: chunk size must be at least 1");
  if (options.window > 64)
    fail(ErrorKind::invalid_input, "semantic chunker: window {} is above 64", options.window);
  if (!(options.percentile >= 0 && options.percentile <= 100))
    fail(ErrorKind::invalid_input, "semantic chunker: percentile {} is not in [0, 100]", options.percentile);
  if (options.similarity && !(*options.similarity >= -1 && *options.similarity <= 1))
    fail(ErrorKind::invalid_input, "semantic chunker: similarity threshold {} is not in [-1, 1]",
         *options.similarity);
}

std::string SemanticChunker::describe() const {
  const std::string rule = options_.similarity ? fmt::format("similarity={}", *options_.similarity)
                                               : fmt::format("percentile={}", options_.percentile);
  return fmt::format("semantic size={} window={} {} unit=words model={}", options_.size, options_.window,
                     rule, encoder_->describe());
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) fail(ErrorKind::internal, "percentile of no values");
  std::sort(values.begin(), values.end());
  const double rank = p / 100.0 * double(values.size() - 1);
  const auto below = size_t(std::floor(rank));
  const size_t above = std::min(below + 1, values.size() - 1);
  const double fraction = rank - double(below);
  return values[below] + (values[above] - values[below]) * fraction;
}

std::vector<double> consecutive_distances(const std::vector<std::vector<float>>& vectors) {
  std::vector<double> distances;
  for (size_t i = 0; i + 1 < vectors.size(); ++i) {
    const std::vector<float>& a = vectors[i];
    const std::vector<float>& b = vectors[i + 1];
    double dot = 0, norm_a = 0, norm_b = 0;
    if (a.size() == b.size())
      for (size_t k = 0; k < a.size(); ++k) {
        dot += double(a[k]) * b[k];
        norm_a += double(a[k]) * a[k];
        norm_b += double(b[k]) * b[k];
      }
    const double cosine = dot / std::sqrt(norm_a * norm_b);
    distances.push_back(std::isfinite(cosine) && a.size() == b.size() ? 1.0 - std::clamp(cosine, -1.0, 1.0)
                                                                      : 1.0);
  }
  return distances;
}

std::vector<size_t> semantic_breakpoints(const std::vector<double>& distances,
                                         const SemanticChunkerOptions& options) {
  std::vector<size_t> breakpoints;
  if (distances.empty()) return breakpoints;
  const double limit =
      options.similarity ? 1.0 - *options.similarity : percentile(distances, options.percentile);
  for (size_t i = 0; i < distances.size(); ++i)
    if (distances[i] > limit) breakpoints.push_back(i);
  return breakpoints;
}

std::vector<Span> SemanticChunker::split(std::string_view text, const TextMasks& masks,
                                         const DocumentStructure&) const {
  const std::vector<SentenceUnit> units = sentence_units(text, masks, options_.size);
  std::vector<Span> spans;
  if (units.empty()) return spans;
  std::vector<size_t> breakpoints;
  if (units.size() > 1) {
    // Each unit's window: the source text from `window` units before it to `window` units after it.
    std::vector<std::vector<float>> vectors;
    vectors.reserve(units.size());
    for (size_t first = 0; first < units.size(); first += kEmbedBatch) {
      std::vector<std::string> windows;
      for (size_t i = first; i < std::min(first + kEmbedBatch, units.size()); ++i) {
        const size_t from = i >= options_.window ? i - options_.window : 0;
        const size_t to = std::min(i + options_.window, units.size() - 1);
        windows.emplace_back(
            text.substr(units[from].span.begin, units[to].span.end - units[from].span.begin));
      }
      std::vector<std::vector<float>> batch = encoder_->embed(windows);
      if (batch.size() != windows.size())
        fail(ErrorKind::internal, "semantic chunker: {} embeddings for {} texts", batch.size(),
             windows.size());
      for (auto& vector : batch) vectors.push_back(std::move(vector));
    }
    breakpoints = semantic_breakpoints(consecutive_distances(vectors), options_);
  }
  // Pack the units between breakpoints into chunks of at most size words.
  size_t next_break = 0, first = 0, words = 0;
  for (size_t i = 0; i < units.size(); ++i) {
    if (i > first && words + units[i].words > options_.size) {
      spans.push_back({units[first].span.begin, units[i - 1].span.end});
      first = i;
      words = 0;
    }
    words += units[i].words;
    const bool at_break = next_break < breakpoints.size() && breakpoints[next_break] == i;
    if (at_break) ++next_break;
    if (at_break || i + 1 == units.size()) {
      spans.push_back({units[first].span.begin, units[i].span.end});
      first = i + 1;
      words = 0;
    }
  }
  return spans;
}

}  // namespace chunkwise::text
