#include "generate/sampling_params.h"

#include <cmath>

#include "common/error.h"

namespace chunkwise::generate {

namespace {

void check_finite(float value, const char* field) {
  if (!std::isfinite(value))
    fail(ErrorKind::invalid_input, "{} must be a finite number, got {}", field, value);
}

}  // namespace

void SamplingParams::validate() const {
  check_finite(temperature, "temperature");
  if (temperature < 0)
    fail(ErrorKind::invalid_input, "temperature must be >= 0 (0 = greedy), got {}", temperature);
  if (top_k < -1) fail(ErrorKind::invalid_input, "top_k must be >= 1, or 0 or -1 for off, got {}", top_k);
  check_finite(top_p, "top_p");
  if (!(top_p > 0 && top_p <= 1)) fail(ErrorKind::invalid_input, "top_p must be in (0, 1], got {}", top_p);
  check_finite(min_p, "min_p");
  if (!(min_p >= 0 && min_p <= 1)) fail(ErrorKind::invalid_input, "min_p must be in [0, 1], got {}", min_p);
  check_finite(repetition_penalty, "repetition_penalty");
  if (!(repetition_penalty > 0)) {
    fail(ErrorKind::invalid_input, "repetition_penalty must be > 0 (1 = off), got {}", repetition_penalty);
  }
  check_finite(presence_penalty, "presence_penalty");
  if (!(presence_penalty >= -2 && presence_penalty <= 2)) {
    fail(ErrorKind::invalid_input, "presence_penalty must be in [-2, 2], got {}", presence_penalty);
  }
  check_finite(frequency_penalty, "frequency_penalty");
  if (!(frequency_penalty >= -2 && frequency_penalty <= 2)) {
    fail(ErrorKind::invalid_input, "frequency_penalty must be in [-2, 2], got {}", frequency_penalty);
  }
  if (logprobs && (*logprobs < 0 || *logprobs > kMaxTopLogprobs)) {
    fail(ErrorKind::invalid_input, "logprobs must be in [0, {}], got {}", kMaxTopLogprobs, *logprobs);
  }
}

}  // namespace chunkwise::generate
