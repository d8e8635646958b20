// BertPreTokenizer: splits on whitespace (dropped) and makes every punctuation character a piece of its own.
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/bert.h"
#include "text/tokenizer/bert_unicode.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {
namespace {

class BertPreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    out.clear();
    for (size_t i = 0; i < in.size(); ++i) {
      const std::string_view piece = in[i];
      for (size_t pos = 0; pos < piece.size();) {
        const size_t start = pos;
        const char32_t c = next_code_point(piece, pos);
        if (is_whitespace(c)) {
          out.finish_piece();
        } else if (bert::is_punctuation(c)) {
          out.finish_piece();
          out.add(piece.substr(start, pos - start));
        } else {
          out.append(piece.substr(start, pos - start));
        }
      }
      out.finish_piece();
    }
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer(const nlohmann::json& spec) {
  if (!spec.is_object()) fail(ErrorKind::invalid_input, "BertPreTokenizer: expected an object");
  return std::make_unique<BertPreTokenizer>();
}

}  // namespace chunkwise::text
