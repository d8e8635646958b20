// Step 1 of sampling (sampler.h): repetition, frequency and presence penalties, in place on one row of
// logits.
#pragma once

#include <span>

#include "generate/sampling_params.h"
#include "generate/token_history.h"

namespace chunkwise::generate {

bool has_penalties(const SamplingParams& params);

// repetition_penalty over every token of `history` (logit < 0 ? logit × penalty : logit / penalty), then
// frequency_penalty × count + presence_penalty subtracted from every generated token. Throws invalid_input
// when a token of `history` is outside `logits`.
void apply_penalties(const SamplingParams& params, const TokenHistory& history, std::span<float> logits);

}  // namespace chunkwise::generate
