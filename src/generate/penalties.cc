#include "generate/penalties.h"

#include "common/error.h"

namespace chunkwise::generate {

bool has_penalties(const SamplingParams& params) {
  return params.repetition_penalty != 1 || params.presence_penalty != 0 || params.frequency_penalty != 0;
}

void apply_penalties(const SamplingParams& params, const TokenHistory& history, std::span<float> logits) {
  const float repetition = params.repetition_penalty;
  for (const auto& [token, generated] : history.tokens()) {
    if (token < 0 || static_cast<size_t>(token) >= logits.size()) {
      fail(ErrorKind::invalid_input, "token {} of the sequence is outside the vocabulary of {} logits", token,
           logits.size());
    }
    float& logit = logits[static_cast<size_t>(token)];
    if (repetition != 1) logit = logit < 0 ? logit * repetition : logit / repetition;
    if (generated > 0)
      logit -= params.frequency_penalty * static_cast<float>(generated) + params.presence_penalty;
  }
}

}  // namespace chunkwise::generate
