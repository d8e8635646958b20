#include "retrieve/selector.h"

#include "common/error.h"

namespace chunkwise::retrieve {

std::vector<SearchHit> TopKSelector::select(std::vector<SearchHit> ranked,
                                            const SelectionLimits& limits) const {
  std::vector<SearchHit> selected;
  size_t tokens = 0;
  for (SearchHit& hit : ranked) {
    if (selected.size() == limits.top_k) break;
    const auto cost = static_cast<size_t>(hit.token_count);
    if (limits.token_budget && tokens + cost > *limits.token_budget) break;
    tokens += cost;
    selected.push_back(std::move(hit));
  }
  return selected;
}

std::unique_ptr<Selector> make_selector(std::string_view name) {
  if (name == "top-k") return std::make_unique<TopKSelector>();
  fail(ErrorKind::invalid_input, "unknown selector '{}' (expected top-k)", name);
}

}  // namespace chunkwise::retrieve
