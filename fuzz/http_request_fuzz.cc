// Fuzzes the HTTP API's request bodies: arbitrary bytes as the body of /v1/chat/completions,
// /v1/completions and /v1/embeddings (the first byte picks which). The parser either returns a request or
// throws ApiError (a 4xx naming the field); anything else escaping, or a parsed request breaking what the
// server relies on, traps:
//   max_tokens >= 1 when set; stop strings non-empty; temperature in [0, 2], top_p in (0, 1]; logprobs in
//   [0, 20]; a chat request has messages, a completion exactly one of text and ids; embeddings have input.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "serve/http/api_error.h"
#include "serve/http/completion_request.h"

namespace {

using namespace chunkwise::serve::http;

void check(bool ok) {
  if (!ok) __builtin_trap();
}

void check_completion(const CompletionRequest& r) {
  check(!r.max_tokens || *r.max_tokens >= 1);
  for (const auto& s : r.stop) check(!s.empty());
  check(!r.temperature || (*r.temperature >= 0 && *r.temperature <= 2));
  check(!r.top_p || (*r.top_p > 0 && *r.top_p <= 1));
  check(!r.logprobs || (*r.logprobs >= 0 && *r.logprobs <= 20));
  if (r.endpoint == Endpoint::chat)
    check(r.messages.is_array() && !r.messages.empty());
  else
    check(r.prompt_text.has_value() != r.prompt_ids.has_value());
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const std::string_view body(reinterpret_cast<const char*>(data) + 1, size - 1);
  try {
    switch (data[0] % 3) {
      case 0:
        check_completion(parse_completion_request(body, Endpoint::chat));
        break;
      case 1:
        check_completion(parse_completion_request(body, Endpoint::completion));
        break;
      default: {
        const EmbeddingRequest r = parse_embedding_request(body);
        check(r.texts.empty() != r.token_ids.empty());
        break;
      }
    }
  } catch (const ApiError& e) {
    check(e.status >= 400 && e.status < 500 && !e.message.empty());
  }
  return 0;
}
