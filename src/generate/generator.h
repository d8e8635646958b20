// One sequence from prompt to finish on a DecoderModel: prefill the prompt in chunks, then decode one token
// per forward pass, choosing each with a Sampler, detokenizing with a StreamDecoder and ending with a
// StopChecker. The serving engine batches many sequences; this is the single-request loop the CLI runs.
//
// Semantics follow vLLM's / OpenAI's:
// - the request's length is checked up front: prompt + max_tokens must fit in the model's context
//   (max_position_embeddings), else Error(invalid_input), as vLLM rejects requests longer than max_model_len;
// - `ids` holds every generated token, the stop token included; `text` leaves out the stop token's text and
//   is cut before a matched stop string (StopChecker);
// - special tokens are left out of the text unless skip_special_tokens is false (vLLM's default).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "generate/sampler.h"
#include "generate/sampling_params.h"
#include "generate/stop_checker.h"
#include "model/decoder_model.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::generate {

struct GenerationRequest {
  std::vector<int32_t> prompt;  // token ids, already templated; must not be empty
  SamplingParams sampling;
  StopConditions stop;  // max_tokens is required: it sizes the KV cache
  bool skip_special_tokens = true;
};

// One generated token, as the stream sees it. `text` is what may be shown now: possibly empty (held back as
// the start of a stop string or of a UTF-8 character), possibly text of earlier tokens.
struct GeneratedToken {
  int32_t token = 0;
  std::string_view text;
  const SampledToken* sampled = nullptr;  // logprobs, when requested
  std::optional<FinishReason> finish_reason;
};

using TokenCallback = std::function<void(const GeneratedToken&)>;

struct GenerationTimings {
  int64_t prefill_tokens = 0;
  double prefill_seconds = 0;  // forward passes over the prompt, up to the first token's logits
  int64_t decode_tokens = 0;   // forward passes of one generated token each (completion_tokens - 1)
  double decode_seconds = 0;

  double prefill_tokens_per_second() const;
  double decode_tokens_per_second() const;
};

struct GenerationResult {
  std::vector<int32_t> ids;
  std::string text;
  FinishReason finish_reason = FinishReason::length;
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  std::vector<SampledToken> logprobs;  // one per id when SamplingParams::logprobs is set, else empty
  GenerationTimings timings;
};

struct GeneratorOptions {
  int prefill_chunk_tokens = 512;  // prompt tokens per forward pass: bounds the activations of long prompts
  int block_size = 16;             // KV cache block size
};

class Generator {
 public:
  // Keeps references: `model` and `tokenizer` must outlive the generator. Error(invalid_input) for a model
  // without an LM head or options out of range.
  Generator(const model::DecoderModel& model, const text::Tokenizer& tokenizer,
            GeneratorOptions options = {});

  // Runs the request to its end, calling `on_token` (if set) after each generated token. Throws
  // Error(invalid_input) for an empty prompt, a prompt id outside the vocabulary, a request longer than the
  // context, or invalid sampling parameters / stop conditions.
  GenerationResult generate(const GenerationRequest& request, const TokenCallback& on_token = {}) const;

  // The longest prompt + max_tokens a request may have: the model's max_position_embeddings.
  int64_t max_model_len() const;

 private:
  void check_request(const GenerationRequest& request) const;

  const model::DecoderModel* model_;
  const text::Tokenizer* tokenizer_;
  GeneratorOptions options_;
};

// The tokens that end a sequence by default: generation_config.json's eos_token_id(s) when it names any, else
// config.json's (what transformers' generate() and vLLM stop on).
std::vector<int32_t> default_stop_token_ids(const model::DecoderModel& model);

// The sampling defaults transformers' generate() takes from generation_config.json: greedy unless it says
// do_sample; with do_sample its temperature (1 when absent), top_k, top_p and min_p; repetition_penalty
// either way. Fields it does not give stay off. Without a generation_config.json: greedy.
SamplingParams default_sampling_params(const model::DecoderModel& model);

}  // namespace chunkwise::generate
