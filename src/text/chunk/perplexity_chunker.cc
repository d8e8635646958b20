#include "text/chunk/perplexity_chunker.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <queue>
#include <tuple>
#include <utility>

#include "common/error.h"
#include "text/chunk/sentence_chunker.h"

namespace chunkwise::text {

PerplexityChunker::PerplexityChunker(const PerplexityChunkerOptions& options,
                                     std::shared_ptr<const PerplexityScorer> scorer)
    : options_(options), scorer_(std::move(scorer)) {
  if (!scorer_) fail(ErrorKind::invalid_input, "the perplexity chunker needs a language model (--model DIR)");
  if (options.size == 0) fail(ErrorKind::invalid_input, "perplexity chunker: chunk size must be at least 1");
  if (!(options.threshold >= 0) || !std::isfinite(options.threshold))
    fail(ErrorKind::invalid_input, "perplexity chunker: threshold {} is not a finite value >= 0",
         options.threshold);
}

std::string PerplexityChunker::describe() const {
  return fmt::format("perplexity size={} threshold={} unit=words model={}", options_.size, options_.threshold,
                     scorer_->describe());
}

std::vector<size_t> perplexity_minima(std::span<const double> raw, double threshold) {
  double largest = -std::numeric_limits<double>::infinity();
  for (double v : raw)
    if (std::isfinite(v)) largest = std::max(largest, v);
  std::vector<double> values(raw.begin(), raw.end());
  for (double& v : values)
    if (!std::isfinite(v)) v = std::isfinite(largest) ? largest : 0.0;
  std::vector<size_t> minima;
  for (size_t i = 1; i + 1 < values.size(); ++i) {
    const double before = values[i - 1], here = values[i], after = values[i + 1];
    if (here < before && here < after) {
      if (before - here >= threshold || after - here >= threshold) minima.push_back(i);
    } else if (here < before && here == after) {
      if (before - here >= threshold) minima.push_back(i);
    }
  }
  return minima;
}

std::vector<UnitGroup> merge_units(std::span<const size_t> words, std::span<const double> values,
                                   std::span<const size_t> minima, size_t size) {
  const size_t n = words.size();
  std::vector<UnitGroup> groups;
  if (n == 0) return groups;
  // Groups as a linked list over their first units: group_last[first], group_words[first], and find the
  // group a unit belongs to through `head` (path-compressed).
  std::vector<size_t> head(n), group_last(n), group_words(words.begin(), words.end());
  std::iota(head.begin(), head.end(), size_t(0));
  std::iota(group_last.begin(), group_last.end(), size_t(0));
  auto find = [&](size_t unit) {
    size_t root = unit;
    while (head[root] != root) root = head[root];
    while (head[unit] != root) unit = std::exchange(head[unit], root);
    return root;
  };
  // Boundary b lies between unit b and b + 1. Weakest first; ties by position (left to right).
  std::vector<bool> is_minimum(n, false);
  for (size_t m : minima)
    if (m + 1 < n) is_minimum[m] = true;
  using Candidate = std::tuple<double, size_t>;
  std::priority_queue<Candidate, std::vector<Candidate>, std::greater<>> queue;
  for (size_t b = 0; b + 1 < n; ++b) {
    double strength = -std::numeric_limits<double>::infinity();
    if (is_minimum[b]) {
      strength = values[b + 1] - values[b];
      if (!std::isfinite(strength)) strength = std::numeric_limits<double>::max();
    }
    queue.emplace(strength, b);
  }
  while (!queue.empty()) {
    const size_t b = std::get<1>(queue.top());
    queue.pop();
    const size_t left = find(b), right = find(b + 1);
    // Groups only grow: a pair too large now stays too large.
    if (group_words[left] + group_words[right] > size) continue;
    head[right] = left;
    group_last[left] = group_last[right];
    group_words[left] += group_words[right];
  }
  for (size_t first = 0; first < n; first = group_last[first] + 1)
    groups.push_back({first, group_last[first]});
  return groups;
}

std::vector<Span> PerplexityChunker::split(std::string_view text, const TextMasks& masks,
                                           const DocumentStructure&) const {
  const std::vector<SentenceUnit> units = sentence_units(text, masks, options_.size);
  std::vector<Span> spans;
  if (units.empty()) return spans;
  std::vector<Span> unit_spans;
  std::vector<size_t> words;
  for (const SentenceUnit& unit : units) {
    unit_spans.push_back(unit.span);
    words.push_back(unit.words);
  }
  std::vector<double> values;
  std::vector<size_t> minima;
  if (units.size() > 2) {
    values = scorer_->log_perplexities(text, unit_spans);
    if (values.size() != units.size())
      fail(ErrorKind::internal, "perplexity chunker: {} scores for {} sentences", values.size(),
           units.size());
    minima = perplexity_minima(values, options_.threshold);
  } else {
    values.assign(units.size(), 0.0);
  }
  for (const UnitGroup& group : merge_units(words, values, minima, options_.size))
    spans.push_back({unit_spans[group.first].begin, unit_spans[group.last].end});
  return spans;
}

}  // namespace chunkwise::text
