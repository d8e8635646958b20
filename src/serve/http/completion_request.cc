#include "serve/http/completion_request.h"

#include <cmath>
#include <limits>

#include "serve/http/api_error.h"
#include "serve/http/json_body.h"

namespace chunkwise::serve::http {

namespace {

using ordered_json = nlohmann::ordered_json;

// Inputs and stop lists are bounded so that one request cannot make the server allocate without limit
// (the body size limit bounds them too; these keep the messages clear).
constexpr size_t kMaxStopStrings = 16;
constexpr size_t kMaxEmbeddingInputs = 2048;

// The field, or null when absent (null and absent mean the same, as in OpenAI's API).
const ordered_json& field(const ordered_json& json, const char* name) {
  static const ordered_json null;
  const auto it = json.find(name);
  return it == json.end() ? null : *it;
}

std::optional<double> number(const ordered_json& json, const char* name, double low, double high) {
  const ordered_json& value = field(json, name);
  if (value.is_null()) return std::nullopt;
  if (!value.is_number()) bad_field(name, std::string("'") + name + "' must be a number");
  const double x = value.get<double>();
  if (!std::isfinite(x) || x < low || x > high)
    bad_field(name, std::string("'") + name + "' must be between " + nlohmann::json(low).dump() + " and " +
                        nlohmann::json(high).dump() + ", got " + value.dump());
  return x;
}

std::optional<int64_t> integer(const ordered_json& json, const char* name, int64_t low, int64_t high) {
  const ordered_json& value = field(json, name);
  if (value.is_null()) return std::nullopt;
  if (!value.is_number_integer()) bad_field(name, std::string("'") + name + "' must be an integer");
  if (value.is_number_unsigned() && value.get<uint64_t>() > uint64_t(std::numeric_limits<int64_t>::max()))
    bad_field(name, std::string("'") + name + "' is out of range");
  const int64_t x = value.get<int64_t>();
  if (x < low || x > high)
    bad_field(name, std::string("'") + name + "' must be between " + std::to_string(low) + " and " +
                        std::to_string(high) + ", got " + std::to_string(x));
  return x;
}

bool boolean(const ordered_json& json, const char* name, bool fallback) {
  const ordered_json& value = field(json, name);
  if (value.is_null()) return fallback;
  if (!value.is_boolean()) bad_field(name, std::string("'") + name + "' must be true or false");
  return value.get<bool>();
}

std::vector<int32_t> token_ids(const ordered_json& value, const char* name) {
  std::vector<int32_t> ids;
  for (const auto& id : value) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() > std::numeric_limits<int32_t>::max())
      bad_field(name, std::string("'") + name + "' must hold non-negative token ids");
    ids.push_back(int32_t(id.get<int64_t>()));
  }
  return ids;
}

void parse_sampling(const ordered_json& json, CompletionRequest& request) {
  if (auto v = number(json, "temperature", 0, 2)) request.temperature = float(*v);
  if (auto v = number(json, "top_p", 0, 1)) {
    if (*v <= 0) bad_field("top_p", "'top_p' must be in (0, 1]");
    request.top_p = float(*v);
  }
  if (auto v = number(json, "min_p", 0, 1)) request.min_p = float(*v);
  if (auto v = number(json, "repetition_penalty", 0, 100)) {
    if (*v <= 0) bad_field("repetition_penalty", "'repetition_penalty' must be > 0");
    request.repetition_penalty = float(*v);
  }
  if (auto v = integer(json, "top_k", -1, std::numeric_limits<int32_t>::max())) request.top_k = int(*v);
  request.presence_penalty = float(number(json, "presence_penalty", -2, 2).value_or(0));
  request.frequency_penalty = float(number(json, "frequency_penalty", -2, 2).value_or(0));
  if (auto v =
          integer(json, "seed", std::numeric_limits<int64_t>::min(), std::numeric_limits<int64_t>::max()))
    request.seed = uint64_t(*v);
  if (auto n = integer(json, "n", 1, 1000); n && *n != 1)
    bad_field("n", "only n = 1 is supported: send one request per completion");
  if (auto n = integer(json, "best_of", 1, 1000); n && *n != 1)
    bad_field("best_of", "only best_of = 1 is supported");
}

void parse_stop(const ordered_json& json, CompletionRequest& request) {
  const ordered_json& stop = field(json, "stop");
  if (stop.is_string()) {
    request.stop.push_back(stop.get<std::string>());
  } else if (stop.is_array()) {
    if (stop.size() > kMaxStopStrings)
      bad_field("stop", "at most " + std::to_string(kMaxStopStrings) + " stop strings are allowed");
    for (const auto& s : stop) {
      if (!s.is_string()) bad_field("stop", "'stop' must be a string or a list of strings");
      request.stop.push_back(s.get<std::string>());
    }
  } else if (!stop.is_null()) {
    bad_field("stop", "'stop' must be a string or a list of strings");
  }
  for (const std::string& s : request.stop)
    if (s.empty()) bad_field("stop", "stop strings must not be empty");
  const ordered_json& ids = field(json, "stop_token_ids");
  if (!ids.is_null()) {
    if (!ids.is_array() || ids.size() > 1024)
      bad_field("stop_token_ids", "'stop_token_ids' must be a list of token ids");
    request.stop_token_ids = token_ids(ids, "stop_token_ids");
  }
}

}  // namespace

CompletionRequest parse_completion_request(std::string_view body, Endpoint endpoint) {
  const ordered_json json = parse_json_object(body);
  CompletionRequest request;
  request.endpoint = endpoint;
  const ordered_json& model = field(json, "model");
  if (!model.is_null() && !model.is_string()) bad_field("model", "'model' must be a string");
  if (model.is_string()) request.model = model.get<std::string>();

  if (endpoint == Endpoint::chat) {
    const ordered_json& messages = field(json, "messages");
    if (!messages.is_array() || messages.empty())
      bad_field("messages", "'messages' must be a non-empty list of messages");
    for (const auto& message : messages) {
      if (!message.is_object() || !field(message, "role").is_string())
        bad_field("messages", "every message must be an object with a string 'role'");
      const ordered_json& content = field(message, "content");
      if (!content.is_null() && !content.is_string() && !content.is_array())
        bad_field("messages", "a message's 'content' must be a string or a list of content parts");
    }
    request.messages = messages;
    request.tools = field(json, "tools");
    const ordered_json& kwargs = field(json, "chat_template_kwargs");
    if (!kwargs.is_null() && !kwargs.is_object())
      bad_field("chat_template_kwargs", "'chat_template_kwargs' must be an object");
    if (kwargs.is_object()) request.template_kwargs = kwargs;
    // Chat logprobs: "logprobs": true plus "top_logprobs": n.
    if (boolean(json, "logprobs", false))
      request.logprobs = int(integer(json, "top_logprobs", 0, generate::kMaxTopLogprobs).value_or(0));
    else if (!field(json, "top_logprobs").is_null())
      integer(json, "top_logprobs", 0, generate::kMaxTopLogprobs);  // type-checked, unused without logprobs
    request.max_tokens = integer(json, "max_completion_tokens", 1, std::numeric_limits<int32_t>::max());
    if (!request.max_tokens)
      request.max_tokens = integer(json, "max_tokens", 1, std::numeric_limits<int32_t>::max());
  } else {
    const ordered_json& prompt = field(json, "prompt");
    if (prompt.is_string()) {
      request.prompt_text = prompt.get<std::string>();
    } else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_string()) {
      request.prompt_text = prompt[0].get<std::string>();
    } else if (prompt.is_array() && !prompt.empty() && prompt[0].is_number()) {
      request.prompt_ids = token_ids(prompt, "prompt");
    } else if (prompt.is_array() && prompt.size() == 1 && prompt[0].is_array()) {
      request.prompt_ids = token_ids(prompt[0], "prompt");
    } else if (prompt.is_array() && prompt.size() > 1) {
      bad_field("prompt", "batched prompts are not supported: send one request per prompt");
    } else {
      bad_field("prompt", "'prompt' must be a string or a list of token ids");
    }
    request.logprobs = integer(json, "logprobs", 0, generate::kMaxTopLogprobs);
    request.echo = boolean(json, "echo", false);
    if (request.echo) bad_field("echo", "'echo' is not supported");
    if (!field(json, "suffix").is_null()) bad_field("suffix", "'suffix' is not supported");
    request.max_tokens = integer(json, "max_tokens", 1, std::numeric_limits<int32_t>::max());
    if (!field(json, "max_tokens").is_null() && !request.max_tokens) request.max_tokens = 16;
  }
  parse_sampling(json, request);
  parse_stop(json, request);
  request.ignore_eos = boolean(json, "ignore_eos", false);
  request.skip_special_tokens = boolean(json, "skip_special_tokens", true);
  request.stream = boolean(json, "stream", false);
  const ordered_json& stream_options = field(json, "stream_options");
  if (!stream_options.is_null()) {
    if (!stream_options.is_object()) bad_field("stream_options", "'stream_options' must be an object");
    request.include_usage = boolean(stream_options, "include_usage", false);
  }
  return request;
}

EmbeddingRequest parse_embedding_request(std::string_view body) {
  const ordered_json json = parse_json_object(body);
  EmbeddingRequest request;
  const ordered_json& model = field(json, "model");
  if (!model.is_null() && !model.is_string()) bad_field("model", "'model' must be a string");
  if (model.is_string()) request.model = model.get<std::string>();
  const ordered_json& input = field(json, "input");
  if (input.is_string()) {
    request.texts.push_back(input.get<std::string>());
  } else if (input.is_array() && !input.empty() && input.size() <= kMaxEmbeddingInputs) {
    if (input[0].is_number()) {
      request.token_ids.push_back(token_ids(input, "input"));
    } else {
      for (const auto& item : input) {
        if (item.is_string())
          request.texts.push_back(item.get<std::string>());
        else if (item.is_array() && !item.empty())
          request.token_ids.push_back(token_ids(item, "input"));
        else
          bad_field("input", "'input' must be a string, a list of strings or a list of token id lists");
      }
      if (!request.texts.empty() && !request.token_ids.empty())
        bad_field("input", "'input' must not mix strings and token ids");
    }
  } else {
    bad_field("input", "'input' must be a string or a non-empty list (at most " +
                           std::to_string(kMaxEmbeddingInputs) + " items)");
  }
  for (const std::string& text : request.texts)
    if (text.empty()) bad_field("input", "'input' must not contain empty strings");
  const ordered_json& format = field(json, "encoding_format");
  if (!format.is_null()) {
    if (!format.is_string() || (format != "float" && format != "base64"))
      bad_field("encoding_format", "'encoding_format' must be \"float\" or \"base64\"");
    request.encoding_format = format.get<std::string>();
  }
  request.dimensions = integer(json, "dimensions", 1, std::numeric_limits<int32_t>::max());
  return request;
}

}  // namespace chunkwise::serve::http
