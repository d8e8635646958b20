#include "generate/token_history.h"

namespace chunkwise::generate {

TokenHistory::TokenHistory(std::span<const int32_t> prompt) {
  for (int32_t token : prompt) tokens_.try_emplace(token, 0);
}

void TokenHistory::add_generated(int32_t token) {
  ++tokens_[token];
  ++generated_count_;
}

}  // namespace chunkwise::generate
