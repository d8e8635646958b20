// Chooses the next token from one row of logits. One Sampler per sequence: it owns the sequence's random
// state (a seed reproduces the whole sequence) and scratch buffers reused from step to step. Not thread-safe.
//
// Order, as Hugging Face transformers' logits processors and warpers and vLLM apply them:
//   1. Penalties on the model's logits, in vLLM's order (penalties.h):
//      a. repetition_penalty over every distinct token of the prompt and of the generated tokens
//         (transformers' RepetitionPenaltyLogitsProcessor): logit < 0 ? logit × penalty : logit / penalty;
//      b. frequency_penalty × (occurrences among the generated tokens), subtracted;
//      c. presence_penalty, subtracted once from every token generated at least once.
//      b and c are OpenAI's definitions, applied to generated tokens only, as vLLM does.
//   2. temperature == 0: greedy, the argmax of the penalized logits (first index on ties, as torch.argmax).
//      Nothing below applies: none of it can remove the argmax.
//   3. Otherwise transformers' warper order:
//      a. temperature: logits / temperature;
//      b. top-k: keep every logit >= the k-th largest (ties with the k-th survive, as in transformers);
//      c. top-p: by decreasing probability, keep a token while the mass of the tokens before it is < top_p:
//         the smallest set whose mass reaches top_p, never less than one token;
//      d. min-p: drop tokens whose probability is < min_p × the largest probability;
//      then one draw from the survivors, renormalized. Tokens whose logit is -inf are never candidates.
// The draw takes one uniform u in [0, 1) from the generator and walks the candidates (by decreasing
// probability when top-p sorted them, by id otherwise) until their cumulative weight exceeds u × total.
//
// Logprobs are of the model's raw distribution: log-softmax of the logits as given, before penalties,
// temperature and filtering (vLLM's default logprobs_mode, "raw_logprobs"). They describe the model, not the
// sampler: a token that top-k removed still has its logprob, and temperature does not change them.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <vector>

#include "generate/random_generator.h"
#include "generate/sampling_params.h"
#include "generate/token_history.h"

namespace chunkwise::generate {

struct TokenLogprob {
  int32_t token = 0;
  float logprob = 0;
};

struct TokenProbability {
  int32_t token = 0;
  double probability = 0;
};

struct SampledToken {
  int32_t token = 0;
  std::optional<float> logprob;  // when SamplingParams::logprobs is set
  std::vector<TokenLogprob>
      top_logprobs;  // the n most likely tokens, most likely first (ties: lower id first)
};

class Sampler {
 public:
  explicit Sampler(const SamplingParams& params);  // validates params

  // `logits` is one row of the vocabulary; every token of `history` must index into it.
  SampledToken sample(std::span<const float> logits, const TokenHistory& history);

  // The distribution sample() draws from, after penalties, temperature and filters: the candidates by token
  // id with their renormalized probabilities (greedy: the argmax with probability 1). Draws nothing.
  std::vector<TokenProbability> distribution(std::span<const float> logits, const TokenHistory& history);

  const SamplingParams& params() const { return params_; }

 private:
  struct Candidate {
    int32_t token;
    float logit;    // penalized
    double weight;  // exp((logit - max logit) / temperature): unnormalized probability, 1 for the most likely
  };

  std::span<const float> penalized(std::span<const float> logits, const TokenHistory& history);
  void collect_candidates(std::span<const float> logits);
  int32_t draw();
  float top_k_threshold(std::span<const float> logits);
  void keep_top_p();
  void keep_min_p();
  void fill_logprobs(std::span<const float> raw_logits, SampledToken& out);

  SamplingParams params_;
  RandomGenerator random_;
  std::vector<float> penalized_;  // scratch buffers, reused across steps
  std::vector<float> top_k_scratch_;
  std::vector<Candidate> candidates_;
  std::vector<int32_t> logprob_order_;
};

}  // namespace chunkwise::generate
