#include "generate/sampler.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>

#include "common/error.h"
#include "generate/penalties.h"

namespace chunkwise::generate {

namespace {

constexpr float kMinusInfinity = -std::numeric_limits<float>::infinity();

uint64_t seed_from_device() {
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) ^ device();
}

// Index of the largest logit, the first on ties (torch.argmax). A NaN, or nothing but -inf, is a bug in the
// model run, not a bad request.
size_t argmax(std::span<const float> logits) {
  size_t best = 0;
  for (size_t i = 0; i < logits.size(); ++i) {
    if (std::isnan(logits[i])) fail(ErrorKind::internal, "the logit of token {} is NaN", i);
    if (logits[i] > logits[best]) best = i;
  }
  if (logits[best] == kMinusInfinity) {
    fail(ErrorKind::internal, "every logit is -inf: no token can be chosen");
  }
  return best;
}

void check_vocabulary(std::span<const float> logits) {
  if (logits.empty()) fail(ErrorKind::invalid_input, "sampling from an empty row of logits");
  if (logits.size() > static_cast<size_t>(std::numeric_limits<int32_t>::max())) {
    fail(ErrorKind::invalid_input, "a vocabulary of {} tokens does not fit 32-bit token ids", logits.size());
  }
}

// Strict total order: larger logit first, lower id on ties, so partial sorts give the same result everywhere.
bool more_likely(float logit_a, int32_t token_a, float logit_b, int32_t token_b) {
  return logit_a > logit_b || (logit_a == logit_b && token_a < token_b);
}

}  // namespace

Sampler::Sampler(const SamplingParams& params)
    : params_(params), random_(params.seed ? *params.seed : seed_from_device()) {
  params_.validate();
}

SampledToken Sampler::sample(std::span<const float> logits, const TokenHistory& history) {
  check_vocabulary(logits);
  const std::span<const float> scores = penalized(logits, history);
  SampledToken out;
  if (params_.greedy()) {
    out.token = static_cast<int32_t>(argmax(scores));
  } else {
    collect_candidates(scores);
    out.token = draw();
  }
  if (params_.logprobs) fill_logprobs(logits, out);
  return out;
}

std::vector<TokenProbability> Sampler::distribution(std::span<const float> logits,
                                                    const TokenHistory& history) {
  check_vocabulary(logits);
  const std::span<const float> scores = penalized(logits, history);
  if (params_.greedy()) return {{static_cast<int32_t>(argmax(scores)), 1.0}};
  collect_candidates(scores);
  double total = 0;
  for (const Candidate& c : candidates_) total += c.weight;
  std::vector<TokenProbability> result;
  result.reserve(candidates_.size());
  for (const Candidate& c : candidates_) result.push_back({c.token, c.weight / total});
  std::ranges::sort(result, {}, &TokenProbability::token);
  return result;
}

std::span<const float> Sampler::penalized(std::span<const float> logits, const TokenHistory& history) {
  if (!has_penalties(params_)) return logits;
  penalized_.assign(logits.begin(), logits.end());
  apply_penalties(params_, history, penalized_);
  return penalized_;
}

float Sampler::top_k_threshold(std::span<const float> logits) {
  const size_t k = static_cast<size_t>(params_.top_k);
  top_k_scratch_.assign(logits.begin(), logits.end());
  std::nth_element(top_k_scratch_.begin(), top_k_scratch_.begin() + (k - 1), top_k_scratch_.end(),
                   std::greater<float>());
  return top_k_scratch_[k - 1];
}

void Sampler::collect_candidates(std::span<const float> logits) {
  const float max_logit = logits[argmax(logits)];
  const bool top_k = params_.top_k > 0 && static_cast<size_t>(params_.top_k) < logits.size();
  const float threshold = top_k ? top_k_threshold(logits) : kMinusInfinity;
  const double temperature = params_.temperature;
  candidates_.clear();
  for (size_t i = 0; i < logits.size(); ++i) {
    const float logit = logits[i];
    if (logit < threshold || logit == kMinusInfinity) continue;
    candidates_.push_back(
        {static_cast<int32_t>(i), logit, std::exp((double{logit} - max_logit) / temperature)});
  }
  if (params_.top_p < 1) keep_top_p();
  if (params_.min_p > 0) keep_min_p();
}

int32_t Sampler::draw() {
  double total = 0;
  for (const Candidate& c : candidates_) total += c.weight;
  const double target = random_.next_double() * total;
  double cumulative = 0;
  for (const Candidate& c : candidates_) {
    cumulative += c.weight;
    if (target < cumulative) return c.token;
  }
  // Rounding put the target past the end: take the last candidate with any weight (the most likely has 1).
  const auto last = std::ranges::find_if(candidates_.rbegin(), candidates_.rend(),
                                         [](const Candidate& c) { return c.weight > 0; });
  return last->token;
}

// Sorts only as far as needed: the most likely 64 candidates, then 8 times as many, ..., until the kept mass
// reaches top_p. A peaked distribution over 150k tokens costs one selection and a sort of 64.
void Sampler::keep_top_p() {
  double total = 0;
  for (const Candidate& c : candidates_) total += c.weight;
  const double target = double{params_.top_p} * total;
  const auto order = [](const Candidate& a, const Candidate& b) {
    return more_likely(a.logit, a.token, b.logit, b.token);
  };
  const size_t n = candidates_.size();
  size_t sorted = 0;
  size_t sort_to = std::min<size_t>(n, 64);
  double mass = 0;  // of candidates_[0, i)
  while (true) {
    const auto first = candidates_.begin() + sorted;
    const auto middle = candidates_.begin() + sort_to;
    std::nth_element(first, middle - 1, candidates_.end(), order);
    std::sort(first, middle, order);
    for (size_t i = sorted; i < sort_to; ++i) {
      if (mass >= target) {
        candidates_.resize(i);
        return;
      }
      mass += candidates_[i].weight;
    }
    if (sort_to == n) return;
    sorted = sort_to;
    sort_to = std::min(n, sort_to * 8);
  }
}

// Probabilities relative to the largest one are weights: the most likely candidate has weight 1.
void Sampler::keep_min_p() {
  const double min_p = params_.min_p;
  std::erase_if(candidates_, [min_p](const Candidate& c) { return c.weight < min_p; });
}

void Sampler::fill_logprobs(std::span<const float> raw_logits, SampledToken& out) {
  const double max_logit = raw_logits[argmax(raw_logits)];
  double sum = 0;
  for (float logit : raw_logits) sum += std::exp(logit - max_logit);
  const double log_normalizer = max_logit + std::log(sum);
  const auto logprob = [&](int32_t token) { return static_cast<float>(raw_logits[token] - log_normalizer); };
  out.logprob = logprob(out.token);

  const size_t n = std::min(static_cast<size_t>(*params_.logprobs), raw_logits.size());
  if (n == 0) return;
  logprob_order_.resize(raw_logits.size());
  std::iota(logprob_order_.begin(), logprob_order_.end(), 0);
  std::partial_sort(logprob_order_.begin(), logprob_order_.begin() + n, logprob_order_.end(),
                    [&](int32_t a, int32_t b) { return more_likely(raw_logits[a], a, raw_logits[b], b); });
  out.top_logprobs.reserve(n);
  for (size_t i = 0; i < n; ++i) out.top_logprobs.push_back({logprob_order_[i], logprob(logprob_order_[i])});
}

}  // namespace chunkwise::generate
