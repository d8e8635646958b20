#include "retrieve/selector.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <unordered_set>

#include "common/error.h"

namespace chunkwise::retrieve {

namespace {

std::unordered_set<std::string> word_set(std::string_view text) {
  std::unordered_set<std::string> words;
  std::string word;
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (std::isalnum(u) || u >= 0x80) {
      word += static_cast<char>(std::tolower(u));
    } else if (!word.empty()) {
      words.insert(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) words.insert(std::move(word));
  return words;
}

double jaccard(const std::unordered_set<std::string>& a, const std::unordered_set<std::string>& b) {
  if (a.empty() && b.empty()) return 1;
  const auto& small = a.size() <= b.size() ? a : b;
  const auto& large = a.size() <= b.size() ? b : a;
  size_t common = 0;
  for (const std::string& w : small) common += large.count(w);
  return static_cast<double>(common) / static_cast<double>(a.size() + b.size() - common);
}

double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    dot += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : 0;
}

bool comparable_embeddings(const SearchHit& a, const SearchHit& b) {
  return !a.embedding.empty() && a.embedding.size() == b.embedding.size();
}

// Pairwise similarities of the hits, n x n row-major; word sets are made once per hit.
std::vector<double> similarity_matrix(const std::vector<SearchHit>& hits) {
  const size_t n = hits.size();
  std::vector<std::unordered_set<std::string>> words(n);
  bool words_made = false;
  std::vector<double> matrix(n * n, 1.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = i + 1; j < n; ++j) {
      double s;
      if (comparable_embeddings(hits[i], hits[j])) {
        s = cosine(hits[i].embedding, hits[j].embedding);
      } else {
        if (!words_made) {
          for (size_t k = 0; k < n; ++k) words[k] = word_set(hits[k].text);
          words_made = true;
        }
        s = jaccard(words[i], words[j]);
      }
      matrix[i * n + j] = matrix[j * n + i] =
          std::isfinite(s) ? s : 0.0;  // broken vectors compare as unrelated
    }
  return matrix;
}

size_t cost_of(const SearchHit& hit) {
  return static_cast<size_t>(std::max<int64_t>(hit.token_count, 0));
}

bool fits(size_t used, size_t cost, const SelectionLimits& limits) {
  return !limits.token_budget || used + cost <= *limits.token_budget;
}

// NaN sorts last (a comparison with NaN would break the sort's ordering).
double sort_key(double score) {
  return std::isnan(score) ? -std::numeric_limits<double>::infinity() : score;
}

void sort_by_score(std::vector<SearchHit>& hits) {
  std::stable_sort(hits.begin(), hits.end(), [](const SearchHit& a, const SearchHit& b) {
    return sort_key(a.score) > sort_key(b.score);
  });
}

std::vector<double> scores_of(const std::vector<SearchHit>& hits) {
  std::vector<double> scores;
  for (const SearchHit& hit : hits) scores.push_back(hit.score);
  return scores;
}

void check_unit(double value, std::string_view what) {
  if (!(value >= 0 && value <= 1)) fail(ErrorKind::invalid_input, "{} {} is outside [0, 1]", what, value);
}

}  // namespace

std::vector<double> relevance_of(const std::vector<SearchHit>& hits) {
  // Over the finite scores; +inf counts as the best, NaN and -inf as the worst.
  double low = std::numeric_limits<double>::infinity(), high = -low;
  for (const SearchHit& hit : hits)
    if (std::isfinite(hit.score)) low = std::min(low, hit.score), high = std::max(high, hit.score);
  std::vector<double> relevance;
  for (const SearchHit& hit : hits) {
    if (!std::isfinite(hit.score))
      relevance.push_back(hit.score > 0 ? 1.0 : 0.0);
    else
      relevance.push_back(high > low ? (hit.score - low) / (high - low) : 1.0);
  }
  return relevance;
}

double similarity(const SearchHit& a, const SearchHit& b) {
  if (comparable_embeddings(a, b)) return cosine(a.embedding, b.embedding);
  return jaccard(word_set(a.text), word_set(b.text));
}

std::vector<SearchHit> TopKSelector::select(std::vector<SearchHit> ranked,
                                            const SelectionLimits& limits) const {
  std::vector<SearchHit> selected;
  size_t tokens = 0;
  for (SearchHit& hit : ranked) {
    if (selected.size() == limits.top_k) break;
    const size_t cost = cost_of(hit);
    if (!fits(tokens, cost, limits)) break;
    tokens += cost;
    selected.push_back(std::move(hit));
  }
  return selected;
}

std::vector<SearchHit> MmrSelector::select(std::vector<SearchHit> ranked,
                                           const SelectionLimits& limits) const {
  const size_t n = ranked.size();
  const std::vector<double> relevance = relevance_of(ranked);
  const std::vector<double> sim = similarity_matrix(ranked);
  std::vector<bool> taken(n, false);
  std::vector<size_t> order;
  std::vector<double> max_similarity(n, 0.0);  // to the chosen ones
  size_t tokens = 0;
  while (order.size() < limits.top_k) {
    std::optional<size_t> best;
    double best_value = 0;
    for (size_t i = 0; i < n; ++i) {
      if (taken[i] || !fits(tokens, cost_of(ranked[i]), limits)) continue;
      const double value = lambda_ * relevance[i] - (1 - lambda_) * (order.empty() ? 0.0 : max_similarity[i]);
      if (!best || value > best_value) best = i, best_value = value;  // ties: the better-ranked
    }
    if (!best) break;
    taken[*best] = true;
    tokens += cost_of(ranked[*best]);
    order.push_back(*best);
    for (size_t i = 0; i < n; ++i) max_similarity[i] = std::max(max_similarity[i], sim[i * n + *best]);
  }
  std::vector<SearchHit> selected;
  for (const size_t i : order) selected.push_back(std::move(ranked[i]));
  return selected;
}

size_t SageSelector::cut(const std::vector<double>& s) const {
  if (s.empty()) return 0;
  const double range = s.front() - s.back();
  for (size_t i = 1; i < s.size(); ++i) {
    const bool ratio_drop = s[i - 1] > 0 && s[i] > 0 && s[i] < min_ratio_ * s[i - 1];
    const bool gap_drop = range > 0 && s[i - 1] - s[i] > max_gap_ * range;
    if (ratio_drop || gap_drop) return i;
  }
  return s.size();
}

std::vector<SearchHit> SageSelector::select(std::vector<SearchHit> ranked,
                                            const SelectionLimits& limits) const {
  sort_by_score(ranked);
  ranked.resize(cut(scores_of(ranked)));
  return TopKSelector().select(std::move(ranked), limits);
}

size_t MeteoraSelector::elbow(const std::vector<double>& s) {
  const size_t n = s.size();
  if (n < 3) return n;
  const double range = s.front() - s.back();
  if (!(range > 0)) return n;
  size_t best = n;
  double best_distance = 1e-12;  // a point must lie below the chord to be an elbow
  for (size_t i = 1; i + 1 < n; ++i) {
    const double x = static_cast<double>(i) / static_cast<double>(n - 1);
    const double y = (s[i] - s.back()) / range;
    const double distance = (1 - x - y) / std::sqrt(2.0);  // below the chord from (0, 1) to (1, 0)
    if (distance > best_distance) best_distance = distance, best = i;
  }
  return best;  // the elbow is the first point of the tail: the ones before it are kept
}

std::vector<SearchHit> MeteoraSelector::select(std::vector<SearchHit> ranked,
                                               const SelectionLimits& limits) const {
  sort_by_score(ranked);
  ranked.resize(elbow(scores_of(ranked)));
  std::vector<SearchHit> kept = TopKSelector().select(std::move(ranked), limits);
  size_t tokens = 0, count = kept.size();
  std::set<int64_t> chosen;
  for (const SearchHit& hit : kept) tokens += cost_of(hit), chosen.insert(hit.chunk_id);
  std::vector<SearchHit> out;
  for (SearchHit& hit : kept) {
    std::optional<SearchHit> before, after;
    for (const int64_t delta : {-1, 1}) {
      if (!neighbours_ || count >= limits.top_k || hit.ordinal + delta < 0) continue;
      std::optional<SearchHit> neighbour = neighbours_(hit.document_id, hit.ordinal + delta);
      if (!neighbour || chosen.count(neighbour->chunk_id) || !fits(tokens, cost_of(*neighbour), limits))
        continue;
      tokens += cost_of(*neighbour);
      ++count;
      chosen.insert(neighbour->chunk_id);
      neighbour->neighbour_of = hit.chunk_id;
      neighbour->score = hit.score;
      (delta < 0 ? before : after) = std::move(neighbour);
    }
    if (before) out.push_back(std::move(*before));
    out.push_back(std::move(hit));
    if (after) out.push_back(std::move(*after));
  }
  return out;
}

double CoragSelector::objective(const std::vector<size_t>& indices, const std::vector<double>& relevance,
                                const std::vector<double>& similarity, double lambda) {
  const size_t n = relevance.size();
  double value = 0;
  for (size_t a = 0; a < indices.size(); ++a) {
    value += relevance[indices[a]];
    for (size_t b = a + 1; b < indices.size(); ++b) value -= lambda * similarity[indices[a] * n + indices[b]];
  }
  return value;
}

CoragSelector::Choice CoragSelector::search(const std::vector<double>& relevance,
                                            const std::vector<double>& similarity,
                                            const std::vector<size_t>& costs,
                                            const SelectionLimits& limits) const {
  struct State {
    std::vector<size_t> indices;  // increasing
    size_t tokens = 0;
    double value = 0;
  };
  // Better value first; equal values: the lexicographically smaller (better-ranked) set.
  auto better = [](const State& a, const State& b) {
    return a.value != b.value ? a.value > b.value : a.indices < b.indices;
  };
  const size_t n = relevance.size();
  std::vector<State> beam(1);
  State best;
  for (size_t depth = 0; depth < std::min(limits.top_k, n); ++depth) {
    std::vector<State> next;
    std::set<std::vector<size_t>> seen;
    for (const State& state : beam)
      for (size_t c = 0; c < n; ++c) {
        if (std::binary_search(state.indices.begin(), state.indices.end(), c)) continue;
        if (!fits(state.tokens, costs[c], limits)) continue;
        State grown = state;
        grown.indices.insert(std::upper_bound(grown.indices.begin(), grown.indices.end(), c), c);
        if (!seen.insert(grown.indices).second) continue;
        grown.tokens += costs[c];
        grown.value += relevance[c];
        for (const size_t j : state.indices) grown.value -= lambda_ * similarity[c * n + j];
        next.push_back(std::move(grown));
      }
    if (next.empty()) break;
    const size_t keep = std::min(beam_width_, next.size());
    std::partial_sort(next.begin(), next.begin() + static_cast<std::ptrdiff_t>(keep), next.end(), better);
    next.resize(keep);
    if (better(next.front(), best)) best = next.front();
    beam = std::move(next);
  }
  return {best.indices, best.value};
}

std::vector<SearchHit> CoragSelector::select(std::vector<SearchHit> ranked,
                                             const SelectionLimits& limits) const {
  std::vector<size_t> costs;
  for (const SearchHit& hit : ranked) costs.push_back(cost_of(hit));
  const Choice choice = search(relevance_of(ranked), similarity_matrix(ranked), costs, limits);
  std::vector<SearchHit> selected;
  for (const size_t i : choice.indices) selected.push_back(std::move(ranked[i]));
  return selected;
}

std::unique_ptr<Selector> make_selector(std::string_view name, const SelectorOptions& options) {
  if (name == "top-k") return std::make_unique<TopKSelector>();
  if (name == "mmr") {
    check_unit(options.mmr_lambda, "MMR lambda");
    return std::make_unique<MmrSelector>(options.mmr_lambda);
  }
  if (name == "sage") {
    check_unit(options.sage_min_ratio, "SAGE score ratio");
    check_unit(options.sage_max_gap, "SAGE score gap");
    return std::make_unique<SageSelector>(options.sage_min_ratio, options.sage_max_gap);
  }
  if (name == "meteora") return std::make_unique<MeteoraSelector>(options.neighbours);
  if (name == "corag") {
    check_unit(options.corag_lambda, "CORAG lambda");
    if (options.corag_beam_width == 0) fail(ErrorKind::invalid_input, "CORAG beam width must be at least 1");
    return std::make_unique<CoragSelector>(options.corag_lambda, options.corag_beam_width);
  }
  fail(ErrorKind::invalid_input, "unknown selector '{}' (expected one of: {})", name, kSelectorNames);
}

}  // namespace chunkwise::retrieve
