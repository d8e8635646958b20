// How the next token is chosen from a row of logits: the knobs of an OpenAI / vLLM request and of a Hugging
// Face GenerationConfig, as one plain struct. Sampler (sampler.h) documents the order they are applied in.
#pragma once

#include <cstdint>
#include <optional>

namespace chunkwise::generate {

// OpenAI's top_logprobs range; the server's request validation relies on the same bound.
inline constexpr int kMaxTopLogprobs = 20;

struct SamplingParams {
  float temperature = 1;  // 0 = greedy (argmax, first index on ties); otherwise logits / temperature
  int top_k = 0;          // keep the k largest logits (and every logit tied with the k-th); 0 or -1 = off
  float top_p = 1;        // nucleus: smallest set of most likely tokens whose probability sums to >= top_p
  float min_p = 0;        // drop tokens whose probability is < min_p × the largest probability; 0 = off
  float repetition_penalty = 1;  // Hugging Face / CTRL: over prompt and generated tokens; 1 = off
  float presence_penalty = 0;    // OpenAI: subtracted once from every token already generated
  float frequency_penalty = 0;   // OpenAI: subtracted once per occurrence in the generated tokens
  std::optional<uint64_t>
      seed;  // same seed, same logits → same tokens; none = seeded from std::random_device
  // Log-probabilities to return: none = no logprobs, 0 = the chosen token's only, n = it and the n most
  // likely.
  std::optional<int> logprobs;

  bool greedy() const { return temperature == 0; }

  // Throws invalid_input naming the field for a value no request can mean (temperature < 0, top_p outside (0,
  // 1], a non-finite number, ...).
  void validate() const;
};

}  // namespace chunkwise::generate
