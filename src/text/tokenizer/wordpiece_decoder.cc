// WordPiece decoder: a token starting with the continuing-subword prefix joins the previous one (prefix
// removed), any other token after the first gets a space in front; `cleanup` then undoes BERT's spaces before
// punctuation and English contractions, token by token.
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/bert.h"

namespace chunkwise::text {
namespace {

void replace_all(std::string& text, std::string_view from, std::string_view to) {
  for (size_t pos = text.find(from); pos != std::string::npos; pos = text.find(from, pos + to.size()))
    text.replace(pos, from.size(), to);
}

// The replacements of Hugging Face's wordpiece `cleanup`, in its order.
void cleanup(std::string& text) {
  if (text.find(' ') == std::string::npos) return;
  replace_all(text, " .", ".");
  replace_all(text, " ?", "?");
  replace_all(text, " !", "!");
  replace_all(text, " ,", ",");
  replace_all(text, " ' ", "'");
  replace_all(text, " n't", "n't");
  replace_all(text, " 'm", "'m");
  replace_all(text, " do not", " don't");
  replace_all(text, " 's", "'s");
  replace_all(text, " 've", "'ve");
  replace_all(text, " 're", "'re");
}

class WordPieceDecoder final : public Decoder {
 public:
  WordPieceDecoder(std::string prefix, bool cleanup) : prefix_(std::move(prefix)), cleanup_(cleanup) {}

  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (i != 0) {
        if (token.starts_with(prefix_)) {
          token.erase(0, prefix_.size());
        } else {
          std::string spaced;
          spaced.reserve(token.size() + 1);
          spaced.push_back(' ');
          spaced += token;
          token = std::move(spaced);
        }
      }
      if (cleanup_) cleanup(token);
    }
  }

 private:
  std::string prefix_;
  bool cleanup_;
};

}  // namespace

std::unique_ptr<Decoder> make_wordpiece_decoder(const nlohmann::json& spec) {
  if (!spec.is_object()) fail(ErrorKind::invalid_input, "WordPiece decoder: expected an object");
  std::string prefix = "##";
  bool do_cleanup = true;
  if (const auto it = spec.find("prefix"); it != spec.end() && !it->is_null()) {
    if (!it->is_string()) fail(ErrorKind::invalid_input, "WordPiece decoder: prefix: expected a string");
    prefix = it->get<std::string>();
  }
  if (const auto it = spec.find("cleanup"); it != spec.end() && !it->is_null()) {
    if (!it->is_boolean()) fail(ErrorKind::invalid_input, "WordPiece decoder: cleanup: expected a boolean");
    do_cleanup = it->get<bool>();
  }
  return std::make_unique<WordPieceDecoder>(std::move(prefix), do_cleanup);
}

}  // namespace chunkwise::text
