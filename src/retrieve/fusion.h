// Hybrid retrieval: reciprocal rank fusion of ranked lists (Cormack et al. 2009),
//   score(chunk) = sum over lists of weight / (k + rank in that list), ranks from 1,
// so only ranks matter, not the lists' incomparable scores. A chunk keeps the fields of the first list that
// has it (BM25 first gives highlighted snippets). Ties go to the chunk with the better best rank, then the
// smaller chunk id.
#pragma once

#include <vector>

#include "retrieve/search_hit.h"

namespace chunkwise::retrieve {

struct RankedList {
  std::vector<SearchHit> hits;  // best first
  double weight = 1;
};

// Error(invalid_input) for k < 0 or a negative or non-finite weight.
std::vector<SearchHit> reciprocal_rank_fusion(std::vector<RankedList> lists, double k = 60);

}  // namespace chunkwise::retrieve
