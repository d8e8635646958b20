// When a sequence ends, and which of its text a streaming client may see. Works on the decoded text pieces of
// the generated tokens (StreamDecoder::step), so it needs no tokenizer.
//
// OpenAI semantics, as vLLM implements them: a stop token id ends the sequence and its own text is not
// returned; a stop string ends it and the output is truncated before the match (the stop string is not
// returned); reaching max_tokens ends it with finish reason "length". A stop token or string on the last
// allowed token is "stop". Stop strings are matched in the generated text only, across any number of pieces.
// The sequence stops on the piece that completes the first stop string; when that piece completes several,
// the one that starts first wins.
//
// Streaming: text that could be the start of a stop string is held back until it either completes the stop
// string (and is dropped) or stops matching (and is released), so a client never sees part of a stop string.
// Released text never ends inside a UTF-8 character, even when pieces split one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chunkwise::generate {

enum class FinishReason { stop, length };

const char* to_string(FinishReason reason);  // "stop" / "length", OpenAI's finish_reason

struct StopConditions {
  std::vector<int32_t> stop_token_ids;    // e.g. the model's eos_token_id(s) and the request's stop_token_ids
  std::vector<std::string> stop_strings;  // the request's "stop"
  std::optional<int64_t> max_tokens;      // generated tokens; none = until a stop (or the caller's own limit)

  // Throws invalid_input naming the field: an empty stop string, a negative token id, max_tokens < 1.
  void validate() const;
};

struct StopStep {
  std::string text;                           // safe to show now (possibly empty)
  std::optional<FinishReason> finish_reason;  // set on the step that ends the sequence
};

class StopChecker {
 public:
  explicit StopChecker(StopConditions conditions);  // validates

  // One generated token and the text it added. On the step that finishes, `text` holds everything left to
  // show. Pushing after the sequence finished is a bug in the caller (internal error).
  StopStep push(int32_t token, std::string_view text);

  // For a sequence that ends without finishing here (the caller's context limit, a cancelled request): the
  // text still held back, now final.
  std::string flush();

  std::optional<FinishReason> finish_reason() const { return finish_reason_; }
  int64_t token_count() const { return token_count_; }

 private:
  size_t hold_back_length() const;

  StopConditions conditions_;
  std::string held_;  // pending text: may be the start of a stop string or of a UTF-8 character
  int64_t token_count_ = 0;
  std::optional<FinishReason> finish_reason_;
};

}  // namespace chunkwise::generate
