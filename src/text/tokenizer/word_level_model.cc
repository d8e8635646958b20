// WordLevel: each pre-tokenized piece is one vocabulary entry, or the unk token.
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/models.h"
#include "text/tokenizer/vocabulary.h"

namespace chunkwise::text {

namespace {

class WordLevelModel final : public Model {
 public:
  explicit WordLevelModel(const nlohmann::json& spec)
      : vocab_(Vocabulary::from_json(require_field(spec, "vocab"))),
        unk_token_(optional_string_field(spec, "unk_token").value_or("<unk>")) {}

  void encode_piece(std::string_view piece, std::vector<TokenId>& ids) const override {
    if (piece.empty()) return;
    TokenId id = vocab_.find(piece);
    if (id < 0) id = vocab_.find(unk_token_);
    if (id < 0)
      fail(ErrorKind::invalid_input, "WordLevel: '{}' is not in the vocabulary and there is no unk token",
           piece);
    ids.push_back(id);
  }
  std::optional<TokenId> token_to_id(std::string_view token) const override {
    const TokenId id = vocab_.find(token);
    return id >= 0 ? std::optional<TokenId>(id) : std::nullopt;
  }
  std::optional<std::string_view> id_to_token(TokenId id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  Vocabulary vocab_;
  std::string unk_token_;
};

}  // namespace

std::unique_ptr<Model> make_word_level_model(const nlohmann::json& spec) {
  return std::make_unique<WordLevelModel>(spec);
}

}  // namespace chunkwise::text
