// The JSON a completion turns into: OpenAI's chat.completion / text_completion objects, their streaming
// chunks, usage, and logprobs in each endpoint's shape.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "generate/sampler.h"
#include "generate/stop_checker.h"
#include "serve/http/completion_request.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::serve::http {

struct CompletionIdentity {
  Endpoint endpoint = Endpoint::chat;
  std::string id;  // chatcmpl-... / cmpl-...
  int64_t created = 0;
  std::string model;
};

struct Usage {
  int64_t prompt_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t cached_tokens = 0;
};

nlohmann::ordered_json usage_json(const Usage& usage);

// Logprobs of `tokens` (one SampledToken each) in the endpoint's shape; `text_offset` is where the first
// token's text starts in the completion (completions endpoint).
nlohmann::ordered_json logprobs_json(Endpoint endpoint, const text::Tokenizer& tokenizer,
                                     const std::vector<generate::SampledToken>& tokens, size_t text_offset);

// The whole response of a non-streaming request.
nlohmann::ordered_json completion_json(const CompletionIdentity& identity, const std::string& text,
                                       std::optional<generate::FinishReason> finish,
                                       const std::optional<nlohmann::ordered_json>& logprobs,
                                       const Usage& usage);

// One streaming chunk: `text` as the delta (chat: with "role" on the first chunk), the finish reason on the
// last one; usage null (OpenAI puts usage only on the extra last chunk, see usage_chunk_json).
nlohmann::ordered_json chunk_json(const CompletionIdentity& identity, const std::string& text, bool first,
                                  std::optional<generate::FinishReason> finish,
                                  const std::optional<nlohmann::ordered_json>& logprobs);
// stream_options.include_usage's final chunk: no choices, the usage.
nlohmann::ordered_json usage_chunk_json(const CompletionIdentity& identity, const Usage& usage);

}  // namespace chunkwise::serve::http
