#include "generate/stop_checker.h"

#include <algorithm>

#include "common/error.h"

namespace chunkwise::generate {

namespace {

bool is_continuation_byte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t utf8_sequence_length(char lead) {
  const auto byte = static_cast<unsigned char>(lead);
  if (byte >= 0xF0) return 4;
  if (byte >= 0xE0) return 3;
  if (byte >= 0xC0) return 2;
  return 1;
}

// Bytes at the end of `text` that are a UTF-8 character still missing its last bytes.
size_t incomplete_character_length(std::string_view text) {
  for (size_t back = 1; back <= std::min<size_t>(4, text.size()); ++back) {
    const char c = text[text.size() - back];
    if (is_continuation_byte(c)) continue;
    return utf8_sequence_length(c) > back ? back : 0;
  }
  return 0;
}

}  // namespace

const char* to_string(FinishReason reason) {
  switch (reason) {
    case FinishReason::stop:
      return "stop";
    case FinishReason::length:
      return "length";
  }
  return "unknown";
}

void StopConditions::validate() const {
  for (int32_t id : stop_token_ids) {
    if (id < 0) fail(ErrorKind::invalid_input, "stop_token_ids: {} is not a token id", id);
  }
  for (size_t i = 0; i < stop_strings.size(); ++i) {
    if (stop_strings[i].empty()) fail(ErrorKind::invalid_input, "stop: stop string {} is empty", i);
  }
  if (max_tokens && *max_tokens < 1)
    fail(ErrorKind::invalid_input, "max_tokens must be >= 1, got {}", *max_tokens);
}

StopChecker::StopChecker(StopConditions conditions) : conditions_(std::move(conditions)) {
  conditions_.validate();
}

StopStep StopChecker::push(int32_t token, std::string_view text) {
  if (finish_reason_) fail(ErrorKind::internal, "token {} was pushed after the sequence finished", token);
  ++token_count_;
  StopStep step;
  if (std::ranges::find(conditions_.stop_token_ids, token) != conditions_.stop_token_ids.end()) {
    finish_reason_ = FinishReason::stop;  // the stop token's own text is dropped, what was held back is not
    step.text = std::move(held_);
  } else {
    held_ += text;
    // held_ begins where the released text ended; no stop string could start in released text (it would have
    // been held back), and none lies wholly in the previous held_ (it would have matched), so one search
    // suffices.
    size_t match = std::string::npos;
    for (const std::string& stop : conditions_.stop_strings) match = std::min(match, held_.find(stop));
    if (match != std::string::npos) {
      finish_reason_ = FinishReason::stop;
      held_.resize(match);
      step.text = std::move(held_);
    } else {
      const size_t release = held_.size() - hold_back_length();
      step.text = held_.substr(0, release);
      held_.erase(0, release);
    }
  }
  if (!finish_reason_ && conditions_.max_tokens && token_count_ >= *conditions_.max_tokens) {
    finish_reason_ = FinishReason::length;
    step.text += held_;
  }
  if (finish_reason_) held_.clear();
  step.finish_reason = finish_reason_;
  return step;
}

std::string StopChecker::flush() {
  std::string text = std::move(held_);
  held_.clear();
  return text;
}

// The longest end of held_ that is a proper start of some stop string, widened so that the released part ends
// on a UTF-8 character boundary.
size_t StopChecker::hold_back_length() const {
  const std::string_view text = held_;
  size_t keep = incomplete_character_length(text);
  for (const std::string& stop : conditions_.stop_strings) {
    for (size_t length = std::min(stop.size() - 1, text.size()); length > keep; --length) {
      if (text.ends_with(std::string_view(stop).substr(0, length))) {
        keep = length;
        break;
      }
    }
  }
  // A stop string that is valid UTF-8 starts on a character boundary already; this covers stray bytes.
  for (int step = 0; step < 3 && keep < text.size() && is_continuation_byte(text[text.size() - keep]);
       ++step) {
    ++keep;
  }
  return keep;
}

}  // namespace chunkwise::generate
