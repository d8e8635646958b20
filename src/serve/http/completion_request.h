// The body of POST /v1/chat/completions and POST /v1/completions, parsed and checked field by field the way
// OpenAI's API (and vLLM's extensions: top_k, min_p, repetition_penalty, stop_token_ids, ignore_eos,
// skip_special_tokens, chat_template_kwargs) define them. Every malformed field is an ApiError naming it.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "generate/sampling_params.h"

namespace chunkwise::serve::http {

enum class Endpoint { chat, completion };

struct CompletionRequest {
  Endpoint endpoint = Endpoint::chat;
  std::optional<std::string> model;
  nlohmann::ordered_json messages;                                            // chat: the messages, as given
  nlohmann::ordered_json tools;                                               // chat: null when absent
  nlohmann::ordered_json template_kwargs = nlohmann::ordered_json::object();  // chat_template_kwargs
  std::optional<std::string> prompt_text;                                     // completion: a string prompt
  std::optional<std::vector<int32_t>> prompt_ids;  // completion: a prompt of token ids
  std::optional<int64_t> max_tokens;               // max_tokens or max_completion_tokens
  // Sampling fields the request set; the rest come from the model's defaults.
  std::optional<float> temperature, top_p, min_p, repetition_penalty;
  std::optional<int> top_k;
  float presence_penalty = 0, frequency_penalty = 0;
  std::optional<uint64_t> seed;
  std::optional<int> logprobs;  // none, or how many top logprobs (0: the chosen token's only)
  std::vector<std::string> stop;
  std::vector<int32_t> stop_token_ids;
  bool ignore_eos = false;
  bool skip_special_tokens = true;
  bool stream = false;
  bool include_usage = false;  // stream_options.include_usage
  bool echo = false;           // completion: unsupported unless false
};

// Throws ApiError (400) for invalid JSON, a wrong type or an out-of-range value, naming the field.
CompletionRequest parse_completion_request(std::string_view body, Endpoint endpoint);

struct EmbeddingRequest {
  std::optional<std::string> model;
  std::vector<std::string> texts;               // input as strings
  std::vector<std::vector<int32_t>> token_ids;  // or input as token id lists
  std::string encoding_format = "float";        // float | base64
  std::optional<int64_t> dimensions;
};

EmbeddingRequest parse_embedding_request(std::string_view body);

}  // namespace chunkwise::serve::http
