// Split: cuts pieces at the matches of a String or Regex pattern, keeping or dropping the delimiters as
// `behavior` says; `invert` makes the matches the pieces.
#include <nlohmann/json.hpp>

#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/pre_tokenizers.h"
#include "text/tokenizer/text_pattern.h"

namespace chunkwise::text {

namespace {

class SplitPreTokenizer final : public PreTokenizer {
 public:
  SplitPreTokenizer(TextPattern pattern, SplitBehavior behavior, bool invert)
      : pattern_(std::move(pattern)), behavior_(behavior), invert_(invert) {}

  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    out.clear();
    out.set_first_starts_input(in.first_starts_input());
    thread_local std::vector<MatchSpan> matches;
    for (size_t i = 0; i < in.size(); ++i) {
      const std::string_view piece = in[i];
      pattern_.find_all(piece, matches);
      add_split_pieces(piece, matches, invert_, behavior_, out);
    }
  }

 private:
  TextPattern pattern_;
  SplitBehavior behavior_;
  bool invert_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_split_pre_tokenizer(const nlohmann::json& spec) {
  return std::make_unique<SplitPreTokenizer>(TextPattern::from_json(require_field(spec, "pattern")),
                                             parse_split_behavior(require_field(spec, "behavior")),
                                             bool_field(spec, "invert", false));
}

}  // namespace chunkwise::text
