// Comparisons of float vectors shared by the golden tests (embeddings, logits).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace chunkwise::testing {

inline double cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < a.size() && i < b.size(); ++i) {
    dot += double(a[i]) * b[i];
    aa += double(a[i]) * a[i];
    bb += double(b[i]) * b[i];
  }
  return dot / std::sqrt(aa * bb);
}

}  // namespace chunkwise::testing
