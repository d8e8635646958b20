#include "serve/sequence.h"

#include <utility>

namespace chunkwise::serve {

namespace {

// Stop token ids are handled by the engine (their text is dropped after what the decoder still holds went
// through the stop strings, as Generator does); the checker sees stop strings and max_tokens only.
generate::StopConditions strings_and_length(generate::StopConditions stop) {
  stop.stop_token_ids.clear();
  return stop;
}

}  // namespace

Sequence::Sequence(uint64_t id_, EngineRequest request, const text::Tokenizer& tokenizer, OutputSink sink_)
    : id(id_),
      tokens(std::move(request.prompt)),
      prompt_tokens(int64_t(tokens.size())),
      max_tokens(request.stop.max_tokens.value_or(0)),
      stop_token_ids(request.stop.stop_token_ids),
      sampler(request.sampling),
      stop(strings_and_length(request.stop)),
      decoder(tokenizer, request.skip_special_tokens),
      history(tokens),
      want_logprobs(request.sampling.logprobs.has_value()),
      sink(std::move(sink_)) {}

}  // namespace chunkwise::serve
