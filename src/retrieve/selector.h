// Selection: from ranked hits, the ones that go into the context. A selector sees the candidates best first
// and the limits (at most top_k chunks, at most token_budget tokens counted with the chunks' token_count),
// and returns the chosen hits in the order they should be read.
//   top-k    the first k that fit, stopping at the first that does not (a lower-ranked smaller chunk is not
//            taken in its place).
//   mmr      maximal marginal relevance: repeatedly the candidate maximizing
//            lambda * relevance - (1 - lambda) * max similarity to those already chosen; candidates that do
//            not fit the budget are passed over.
//   sage     score-drop cut-off (after SAGE): the candidates before the first sharp fall of the score, i.e.
//            the first i with score[i] < min_ratio * score[i-1] (both positive) or
//            score[i-1] - score[i] > max_gap * (score[0] - score[last]); then as top-k.
//   meteora  elbow cut plus neighbours (after METEORA): the candidates above the elbow of the sorted score
//            curve (the point farthest below the chord from the first to the last score, both axes scaled to
//            [0, 1]; the elbow itself is the first point of the tail), then each kept chunk's neighbours
//            (ordinal - 1 and + 1 in its document, through the `neighbours` lookup) while the limits allow; a
//            neighbour is placed next to its chunk.
//   corag    budgeted combination search (after CORAG): the set S maximizing
//            sum(relevance) - lambda * sum over pairs in S of similarity, within the limits, found by a beam
//            search over growing sets (deterministic; ties go to the set of better-ranked chunks); the
//            chosen chunks in rank order.
// Relevance is the score scaled to [0, 1] over the candidates (min-max; all 1 when equal). Similarity is
// the cosine of the chunks' embeddings when both have one, else the Jaccard overlap of their word sets.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retrieve/search_hit.h"

namespace chunkwise::retrieve {

struct SelectionLimits {
  size_t top_k = 10;                   // at most this many chunks
  std::optional<size_t> token_budget;  // at most this many tokens in all (chunks' token_count)
};

class Selector {
 public:
  virtual ~Selector() = default;
  virtual std::vector<SearchHit> select(std::vector<SearchHit> ranked,
                                        const SelectionLimits& limits) const = 0;
};

class TopKSelector : public Selector {
 public:
  std::vector<SearchHit> select(std::vector<SearchHit> ranked, const SelectionLimits& limits) const override;
};

class MmrSelector : public Selector {
 public:
  explicit MmrSelector(double lambda = 0.5) : lambda_(lambda) {}
  std::vector<SearchHit> select(std::vector<SearchHit> ranked, const SelectionLimits& limits) const override;

 private:
  double lambda_;
};

class SageSelector : public Selector {
 public:
  explicit SageSelector(double min_ratio = 0.5, double max_gap = 0.5)
      : min_ratio_(min_ratio), max_gap_(max_gap) {}
  std::vector<SearchHit> select(std::vector<SearchHit> ranked, const SelectionLimits& limits) const override;
  // How many of the scores (sorted best first) come before the cut.
  size_t cut(const std::vector<double>& sorted_scores) const;

 private:
  double min_ratio_;
  double max_gap_;
};

// The chunk at `ordinal` in document `document_id`, if there is one.
using NeighbourLookup = std::function<std::optional<SearchHit>(int64_t document_id, int64_t ordinal)>;

class MeteoraSelector : public Selector {
 public:
  explicit MeteoraSelector(NeighbourLookup neighbours) : neighbours_(std::move(neighbours)) {}
  std::vector<SearchHit> select(std::vector<SearchHit> ranked, const SelectionLimits& limits) const override;
  // How many of the scores (sorted best first) lie above the elbow; all of them when the curve has no point
  // below its chord (a straight or concave curve, or fewer than 3 scores).
  static size_t elbow(const std::vector<double>& sorted_scores);

 private:
  NeighbourLookup neighbours_;
};

class CoragSelector : public Selector {
 public:
  explicit CoragSelector(double lambda = 0.5, size_t beam_width = 32)
      : lambda_(lambda), beam_width_(beam_width) {}
  std::vector<SearchHit> select(std::vector<SearchHit> ranked, const SelectionLimits& limits) const override;

  // The search itself, on relevance values, pairwise similarities (n x n, row-major) and token costs: the
  // chosen indices in increasing order and the objective they reach.
  struct Choice {
    std::vector<size_t> indices;
    double objective = 0;
  };
  Choice search(const std::vector<double>& relevance, const std::vector<double>& similarity,
                const std::vector<size_t>& costs, const SelectionLimits& limits) const;
  static double objective(const std::vector<size_t>& indices, const std::vector<double>& relevance,
                          const std::vector<double>& similarity, double lambda);

 private:
  double lambda_;
  size_t beam_width_;
};

struct SelectorOptions {
  double mmr_lambda = 0.5;
  double sage_min_ratio = 0.5;
  double sage_max_gap = 0.5;
  double corag_lambda = 0.5;
  size_t corag_beam_width = 32;
  NeighbourLookup neighbours;  // for meteora; without it no neighbours are added
};

// The selector names make_selector knows, for messages and help.
inline constexpr std::string_view kSelectorNames = "top-k, mmr, sage, meteora, corag";

// Throws Error(invalid_input) for an unknown name or an option out of range (lambdas in [0, 1], ratios and
// gaps in [0, 1], a beam width of at least 1).
std::unique_ptr<Selector> make_selector(std::string_view name, const SelectorOptions& options = {});

// Relevance of each hit: its score scaled to [0, 1] over `hits` (all 1 when the scores are equal).
std::vector<double> relevance_of(const std::vector<SearchHit>& hits);
// Similarity of two hits: cosine of their embeddings when both have one of the same size, else the Jaccard
// overlap of their sets of lowercased words (letters and digits).
double similarity(const SearchHit& a, const SearchHit& b);

}  // namespace chunkwise::retrieve
