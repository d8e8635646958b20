#include "text/tokenizer/tokenizer_json_reader.h"

#include <fmt/format.h>

#include "common/error.h"

namespace chunkwise::text {

namespace {

using nlohmann::json;

class TokenizerJsonSax {
 public:
  explicit TokenizerJsonSax(BpeTables& tables) : tables_(tables) {}
  json root;

  bool null() { return value(json(nullptr)); }
  bool boolean(bool b) { return value(json(b)); }
  bool number_integer(json::number_integer_t v) {
    if (capture_ == Capture::vocab) return vocab_id(v);
    return value(json(v));
  }
  bool number_unsigned(json::number_unsigned_t v) {
    if (capture_ == Capture::vocab) return vocab_id(v <= INT32_MAX ? static_cast<int64_t>(v) : -1);
    return value(json(v));
  }
  bool number_float(json::number_float_t v, const json::string_t&) { return value(json(v)); }
  bool string(json::string_t& s) {
    if (capture_ == Capture::merges) return merge_string(s);
    if (stack_.size() == 2 && stack_.back() == model_ && key_ == "type") model_type_ = s;
    return value(json(std::move(s)));
  }
  bool binary(json::binary_t&) { fail(ErrorKind::invalid_input, "unexpected binary value"); }
  bool key(json::string_t& k) {
    key_ = std::move(k);
    return true;
  }
  bool start_object(std::size_t) {
    if (capture_ != Capture::none) bad_capture();
    if (at_model_field("vocab")) {
      (*model_)["vocab"] = json::object();
      capture_ = Capture::vocab;
      tables_.has_vocab = true;
      return true;
    }
    json* object = add(json::object());
    if (stack_.size() == 1 && key_ == "model") model_ = object;
    stack_.push_back(object);
    return true;
  }
  bool end_object() {
    if (capture_ == Capture::vocab) {
      capture_ = Capture::none;
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool start_array(std::size_t) {
    if (capture_ == Capture::merges) {
      if (pair_depth_ != 0) bad_capture();
      pair_depth_ = 1;
      pair_parts_ = 0;
      return true;
    }
    if (capture_ != Capture::none) bad_capture();
    if (at_model_field("merges")) {
      (*model_)["merges"] = json::array();
      capture_ = Capture::merges;
      tables_.has_merges = true;
      return true;
    }
    stack_.push_back(add(json::array()));
    return true;
  }
  bool end_array() {
    if (capture_ == Capture::merges) {
      if (pair_depth_ == 1) {
        if (pair_parts_ != 2) bad_merge();
        pair_depth_ = 0;
      } else {
        capture_ = Capture::none;
      }
      return true;
    }
    stack_.pop_back();
    return true;
  }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& e) {
    fail(ErrorKind::invalid_input, "malformed JSON: {}", e.what());
  }

 private:
  enum class Capture { none, vocab, merges };

  bool at_model_field(const char* field) const {
    return model_ != nullptr && !stack_.empty() && stack_.back() == model_ && key_ == field &&
           model_type_ == "BPE";
  }
  json* add(json&& v) {
    if (stack_.empty()) {
      root = std::move(v);
      return &root;
    }
    json& top = *stack_.back();
    if (top.is_array()) {
      top.push_back(std::move(v));
      return &top.back();
    }
    json& slot = top[key_];
    slot = std::move(v);
    return &slot;
  }
  bool value(json&& v) {
    if (capture_ != Capture::none) bad_capture();
    add(std::move(v));
    return true;
  }
  bool vocab_id(int64_t id) {
    if (id < 0 || id > INT32_MAX)
      fail(ErrorKind::invalid_input, "model: vocab[\"{}\"]: expected a non-negative integer id", key_);
    tables_.vocab.emplace_back(std::move(key_), static_cast<TokenId>(id));
    return true;
  }
  bool merge_string(json::string_t& s) {
    if (pair_depth_ == 1) {
      if (pair_parts_ == 0) {
        tables_.merges.emplace_back(std::move(s), std::string());
      } else if (pair_parts_ == 1) {
        tables_.merges.back().second = std::move(s);
      } else {
        bad_merge();
      }
      ++pair_parts_;
      return true;
    }
    const size_t space = s.find(' ');
    if (space == std::string::npos || s.find(' ', space + 1) != std::string::npos)
      fail(ErrorKind::invalid_input, "model: merges: [{}]: expected \"left right\", got \"{}\"",
           tables_.merges.size(), s);
    tables_.merges.emplace_back(s.substr(0, space), s.substr(space + 1));
    return true;
  }
  [[noreturn]] void bad_merge() const {
    fail(ErrorKind::invalid_input, "model: merges: [{}]: expected \"left right\" or [\"left\", \"right\"]",
         tables_.merges.size());
  }
  [[noreturn]] void bad_capture() const {
    if (capture_ == Capture::vocab)
      fail(ErrorKind::invalid_input, "model: vocab[\"{}\"]: expected a non-negative integer id", key_);
    bad_merge();
  }

  BpeTables& tables_;
  std::vector<json*> stack_;
  std::string key_;
  json* model_ = nullptr;
  std::string model_type_;
  Capture capture_ = Capture::none;
  int pair_depth_ = 0;
  int pair_parts_ = 0;
};

}  // namespace

nlohmann::json read_tokenizer_json(std::string_view text, BpeTables& tables) {
  TokenizerJsonSax sax(tables);
  try {
    nlohmann::json::sax_parse(text, &sax);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::invalid_input, "malformed JSON: {}", e.what());
  }
  return std::move(sax.root);
}

}  // namespace chunkwise::text
