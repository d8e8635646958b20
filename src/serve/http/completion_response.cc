#include "serve/http/completion_response.h"

namespace chunkwise::serve::http {

namespace {

using ordered_json = nlohmann::ordered_json;

const char* object_name(Endpoint endpoint, bool chunk) {
  if (endpoint == Endpoint::chat) return chunk ? "chat.completion.chunk" : "chat.completion";
  return "text_completion";
}

ordered_json finish_json(std::optional<generate::FinishReason> finish) {
  return finish ? ordered_json(generate::to_string(*finish)) : ordered_json(nullptr);
}

ordered_json bytes_of(const std::string& s) {
  ordered_json bytes = ordered_json::array();
  for (unsigned char c : s) bytes.push_back(int(c));
  return bytes;
}

// A token's text; half a UTF-8 character stays as it is here (the response is dumped with invalid UTF-8
// replaced), "bytes" keeps the exact bytes.
std::string token_text(const text::Tokenizer& tokenizer, int32_t token) {
  return tokenizer.decode(std::span<const int32_t>(&token, 1));
}

ordered_json base(const CompletionIdentity& identity, bool chunk) {
  return {{"id", identity.id},
          {"object", object_name(identity.endpoint, chunk)},
          {"created", identity.created},
          {"model", identity.model}};
}

}  // namespace

ordered_json usage_json(const Usage& usage) {
  return {{"prompt_tokens", usage.prompt_tokens},
          {"completion_tokens", usage.completion_tokens},
          {"total_tokens", usage.prompt_tokens + usage.completion_tokens},
          {"prompt_tokens_details", {{"cached_tokens", usage.cached_tokens}}}};
}

ordered_json logprobs_json(Endpoint endpoint, const text::Tokenizer& tokenizer,
                           const std::vector<generate::SampledToken>& tokens, size_t text_offset) {
  if (endpoint == Endpoint::chat) {
    ordered_json content = ordered_json::array();
    for (const auto& t : tokens) {
      const std::string text = token_text(tokenizer, t.token);
      ordered_json top = ordered_json::array();
      for (const auto& alt : t.top_logprobs) {
        const std::string alt_text = token_text(tokenizer, alt.token);
        top.push_back({{"token", alt_text}, {"logprob", alt.logprob}, {"bytes", bytes_of(alt_text)}});
      }
      content.push_back({{"token", text},
                         {"logprob", t.logprob.value_or(0.0f)},
                         {"bytes", bytes_of(text)},
                         {"top_logprobs", top}});
    }
    return {{"content", content}};
  }
  ordered_json result = {{"tokens", ordered_json::array()},
                         {"token_logprobs", ordered_json::array()},
                         {"top_logprobs", ordered_json::array()},
                         {"text_offset", ordered_json::array()}};
  size_t offset = text_offset;
  for (const auto& t : tokens) {
    const std::string text = token_text(tokenizer, t.token);
    result["tokens"].push_back(text);
    result["token_logprobs"].push_back(t.logprob.value_or(0.0f));
    ordered_json top = ordered_json::object();
    for (const auto& alt : t.top_logprobs) top[token_text(tokenizer, alt.token)] = alt.logprob;
    result["top_logprobs"].push_back(top);
    result["text_offset"].push_back(offset);
    offset += text.size();
  }
  return result;
}

ordered_json completion_json(const CompletionIdentity& identity, const std::string& text,
                             std::optional<generate::FinishReason> finish,
                             const std::optional<ordered_json>& logprobs, const Usage& usage) {
  ordered_json response = base(identity, false);
  ordered_json choice = {{"index", 0}};
  if (identity.endpoint == Endpoint::chat)
    choice["message"] = {{"role", "assistant"}, {"content", text}};
  else
    choice["text"] = text;
  choice["logprobs"] = logprobs ? *logprobs : ordered_json(nullptr);
  choice["finish_reason"] = finish_json(finish);
  response["choices"] = ordered_json::array({choice});
  response["usage"] = usage_json(usage);
  return response;
}

ordered_json chunk_json(const CompletionIdentity& identity, const std::string& text, bool first,
                        std::optional<generate::FinishReason> finish,
                        const std::optional<ordered_json>& logprobs) {
  ordered_json chunk = base(identity, true);
  ordered_json choice = {{"index", 0}};
  if (identity.endpoint == Endpoint::chat) {
    ordered_json delta = ordered_json::object();
    if (first) delta["role"] = "assistant";
    if (!text.empty() || first) delta["content"] = text;
    choice["delta"] = delta;
  } else {
    choice["text"] = text;
  }
  choice["logprobs"] = logprobs ? *logprobs : ordered_json(nullptr);
  choice["finish_reason"] = finish_json(finish);
  chunk["choices"] = ordered_json::array({choice});
  chunk["usage"] = nullptr;
  return chunk;
}

ordered_json usage_chunk_json(const CompletionIdentity& identity, const Usage& usage) {
  ordered_json chunk = base(identity, true);
  chunk["choices"] = ordered_json::array();
  chunk["usage"] = usage_json(usage);
  return chunk;
}

}  // namespace chunkwise::serve::http
