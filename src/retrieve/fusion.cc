#include "retrieve/fusion.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "common/error.h"

namespace chunkwise::retrieve {

std::vector<SearchHit> reciprocal_rank_fusion(std::vector<RankedList> lists, double k) {
  if (!(k >= 0) || !std::isfinite(k)) fail(ErrorKind::invalid_input, "RRF k {} must be a number >= 0", k);
  for (const RankedList& list : lists)
    if (!(list.weight >= 0) || !std::isfinite(list.weight))
      fail(ErrorKind::invalid_input, "fusion weight {} must be a number >= 0", list.weight);
  struct Fused {
    SearchHit hit;
    double score = 0;
    size_t best_rank = 0;
  };
  std::vector<Fused> fused;
  std::unordered_map<int64_t, size_t> where;
  for (RankedList& list : lists)
    for (size_t i = 0; i < list.hits.size(); ++i) {
      const size_t rank = i + 1;
      const double contribution = list.weight / (k + static_cast<double>(rank));
      auto [it, added] = where.emplace(list.hits[i].chunk_id, fused.size());
      if (added) {
        fused.push_back({std::move(list.hits[i]), contribution, rank});
      } else {
        Fused& f = fused[it->second];
        f.score += contribution;
        f.best_rank = std::min(f.best_rank, rank);
        if (f.hit.embedding.empty()) f.hit.embedding = std::move(list.hits[i].embedding);
      }
    }
  std::sort(fused.begin(), fused.end(), [](const Fused& a, const Fused& b) {
    if (a.score != b.score) return a.score > b.score;
    if (a.best_rank != b.best_rank) return a.best_rank < b.best_rank;
    return a.hit.chunk_id < b.hit.chunk_id;
  });
  std::vector<SearchHit> out;
  for (Fused& f : fused) {
    f.hit.score = f.score;
    out.push_back(std::move(f.hit));
  }
  return out;
}

}  // namespace chunkwise::retrieve
