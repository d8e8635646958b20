// BertProcessing and RobertaProcessing: a classification token in front and separators after each sequence.
// "sep" and "cls" are [token, id] pairs.
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/post_processors.h"

namespace chunkwise::text {

namespace {

TokenId token_pair_id(const nlohmann::json& spec, const char* key) {
  const auto& value = require_field(spec, key);
  if (!value.is_array() || value.size() != 2 || !value[1].is_number_integer())
    fail(ErrorKind::invalid_input, "{}: expected [token, id]", key);
  return value[1].get<TokenId>();
}

class ClsSepPostProcessor final : public PostProcessor {
 public:
  ClsSepPostProcessor(TokenId cls, TokenId sep, bool double_separator)
      : cls_(cls), sep_(sep), double_separator_(double_separator) {}

  void process(std::vector<TokenId>& ids, std::vector<TokenId>* pair,
               bool add_special_tokens) const override {
    if (!add_special_tokens) {
      if (pair != nullptr) ids.insert(ids.end(), pair->begin(), pair->end());
      return;
    }
    ids.insert(ids.begin(), cls_);
    ids.push_back(sep_);
    if (pair != nullptr) {
      if (double_separator_) ids.push_back(sep_);
      ids.insert(ids.end(), pair->begin(), pair->end());
      ids.push_back(sep_);
    }
  }
  size_t added_tokens(bool pair) const override { return pair ? (double_separator_ ? 4 : 3) : 2; }

 private:
  TokenId cls_, sep_;
  bool double_separator_;
};

class ByteLevelPostProcessor final : public PostProcessor {
 public:
  // Only trims offsets in Hugging Face; ids pass through.
  void process(std::vector<TokenId>& ids, std::vector<TokenId>* pair, bool) const override {
    if (pair != nullptr) ids.insert(ids.end(), pair->begin(), pair->end());
  }
  size_t added_tokens(bool) const override { return 0; }
};

}  // namespace

std::unique_ptr<PostProcessor> make_bert_post_processor(const nlohmann::json& spec) {
  return std::make_unique<ClsSepPostProcessor>(token_pair_id(spec, "cls"), token_pair_id(spec, "sep"), false);
}

std::unique_ptr<PostProcessor> make_roberta_post_processor(const nlohmann::json& spec) {
  return std::make_unique<ClsSepPostProcessor>(token_pair_id(spec, "cls"), token_pair_id(spec, "sep"), true);
}

std::unique_ptr<PostProcessor> make_byte_level_post_processor() {
  return std::make_unique<ByteLevelPostProcessor>();
}

}  // namespace chunkwise::text
