// Fuzzes selection and fusion: arbitrary bytes become candidate lists (scores including NaN, infinities,
// negatives and ties; token counts; documents and ordinals; short texts; 2-d embeddings, some of them zero or
// non-finite), limits (top_k, token budget) and selector options, and every selector runs on them, as does
// reciprocal rank fusion of two lists. What must hold for any input (a broken promise traps):
//   every selector: at most top_k chunks, at most the budget's tokens, no chunk twice, every chunk one of the
//     candidates or (meteora) a neighbour of a chosen one given by the lookup;
//   top-k: a prefix of the candidates; sage: a prefix of the candidates sorted by score;
//   corag: the beam's objective equals the objective recomputed for its choice;
//   fusion: every chunk of either list once, scores finite and in non-increasing order.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <limits>
#include <set>
#include <string>
#include <vector>

#include "common/error.h"
#include "retrieve/fusion.h"
#include "retrieve/selector.h"

namespace {

using namespace chunkwise::retrieve;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

class Bytes {
 public:
  Bytes(const uint8_t* data, size_t size) : data_(data), size_(size) {}
  bool empty() const { return at_ >= size_; }
  uint8_t next() { return at_ < size_ ? data_[at_++] : 0; }

 private:
  const uint8_t* data_;
  size_t size_;
  size_t at_ = 0;
};

double score_of(uint8_t code) {
  switch (code) {
    case 0:
      return std::numeric_limits<double>::quiet_NaN();
    case 1:
      return std::numeric_limits<double>::infinity();
    case 2:
      return -std::numeric_limits<double>::infinity();
    case 3:
      return 0;
    default:
      return (static_cast<double>(code) - 128) / 16;
  }
}

float component(uint8_t code) {
  if (code == 255) return std::numeric_limits<float>::quiet_NaN();
  return (static_cast<float>(code) - 128) / 64;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  Bytes in(data, size);
  SelectionLimits limits;
  limits.top_k = in.next() % 12;
  const uint8_t budget = in.next();
  if (budget != 255) limits.token_budget = budget;
  SelectorOptions options;
  options.mmr_lambda = in.next() / 255.0;
  options.sage_min_ratio = in.next() / 255.0;
  options.sage_max_gap = in.next() / 255.0;
  options.corag_lambda = in.next() / 255.0;
  options.corag_beam_width = 1 + in.next() % 8;
  static const char* kWords[] = {"alpha", "beta", "gamma", "delta", "", "Beta", "é", "x y"};

  std::vector<SearchHit> hits;
  for (int64_t id = 1; !in.empty() && hits.size() < 24; ++id) {
    SearchHit hit;
    hit.chunk_id = id;
    hit.score = score_of(in.next());
    hit.token_count = in.next() % 40;
    hit.document_id = in.next() % 3;
    hit.ordinal = in.next() % 6;
    const uint8_t text = in.next();
    hit.text = std::string(kWords[text % 8]) + " " + kWords[(text / 8) % 8];
    const uint8_t embedding = in.next();
    if (embedding % 3 == 0) hit.embedding = {component(embedding), component(in.next())};
    if (embedding % 3 == 1) hit.embedding = {0.f, 0.f};
    hits.push_back(std::move(hit));
  }
  std::set<int64_t> candidates;
  for (const SearchHit& hit : hits) candidates.insert(hit.chunk_id);
  std::set<int64_t> neighbours_given;
  options.neighbours = [&](int64_t document, int64_t ordinal) -> std::optional<SearchHit> {
    if (ordinal % 2) return std::nullopt;
    SearchHit hit;
    hit.chunk_id = 1000 + document * 100 + ordinal;
    hit.document_id = document;
    hit.ordinal = ordinal;
    hit.token_count = (document + ordinal) % 7;
    neighbours_given.insert(hit.chunk_id);
    return hit;
  };

  for (const char* name : {"top-k", "mmr", "sage", "meteora", "corag"}) {
    const auto selected = make_selector(name, options)->select(hits, limits);
    check(selected.size() <= limits.top_k);
    size_t tokens = 0;
    std::set<int64_t> seen;
    for (const SearchHit& hit : selected) {
      tokens += static_cast<size_t>(hit.token_count);
      check(seen.insert(hit.chunk_id).second);
      check(candidates.count(hit.chunk_id) ||
            (std::string(name) == "meteora" && neighbours_given.count(hit.chunk_id)));
    }
    check(!limits.token_budget || tokens <= *limits.token_budget);
    if (std::string(name) == "top-k")
      for (size_t i = 0; i < selected.size(); ++i) check(selected[i].chunk_id == hits[i].chunk_id);
  }

  std::vector<double> relevance = relevance_of(hits);
  for (const double r : relevance) check(r >= 0 && r <= 1);
  const size_t n = hits.size();
  std::vector<double> similarity(n * n, 1.0);
  for (size_t i = 0; i < n; ++i)
    for (size_t j = 0; j < n; ++j)
      if (i != j)
        similarity[i * n + j] = std::isfinite(chunkwise::retrieve::similarity(hits[i], hits[j]))
                                    ? chunkwise::retrieve::similarity(hits[i], hits[j])
                                    : 0.0;
  std::vector<size_t> costs;
  for (const SearchHit& hit : hits) costs.push_back(static_cast<size_t>(hit.token_count));
  const CoragSelector corag(options.corag_lambda, options.corag_beam_width);
  const auto choice = corag.search(relevance, similarity, costs, limits);
  check(std::fabs(choice.objective - CoragSelector::objective(choice.indices, relevance, similarity,
                                                              options.corag_lambda)) < 1e-9);

  const size_t half = hits.size() / 2;
  std::vector<SearchHit> first(hits.begin(), hits.begin() + static_cast<std::ptrdiff_t>(half));
  std::vector<SearchHit> second(hits.begin() + static_cast<std::ptrdiff_t>(half), hits.end());
  for (size_t i = 0; i < second.size(); i += 2) second[i].chunk_id = (i / 2) + 1;  // overlaps with the first
  std::set<int64_t> ids;
  for (const auto* list : {&first, &second})
    for (const SearchHit& hit : *list) ids.insert(hit.chunk_id);
  const auto fused = reciprocal_rank_fusion({{first, options.mmr_lambda}, {second, 1.0}}, budget);
  check(fused.size() == ids.size());
  for (size_t i = 0; i < fused.size(); ++i) {
    check(std::isfinite(fused[i].score));
    check(i == 0 || fused[i - 1].score >= fused[i].score);
  }
  return 0;
}
