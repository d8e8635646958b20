// Selection: from ranked hits, the ones that go into the context. A selector sees the hits best first and
// the limits; `top_k` keeps the first k that fit the token budget, stopping at the first that does not (a
// lower-ranked smaller chunk is not taken in its place). SAGE, METEORA, CORAG and MMR join behind this
// interface.
#pragma once

#include <cstddef>
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

// Throws Error(invalid_input) for an unknown name; known: top-k.
std::unique_ptr<Selector> make_selector(std::string_view name);

}  // namespace chunkwise::retrieve
