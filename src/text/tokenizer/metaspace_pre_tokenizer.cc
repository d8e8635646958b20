// Metaspace (SentencePiece style): spaces become the replacement character ("▁"), one is prepended as
// prepend_scheme says, and pieces are split before each replacement character.
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/pre_tokenizers.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

enum class PrependScheme { always, first, never };

class MetaspacePreTokenizer final : public PreTokenizer {
 public:
  MetaspacePreTokenizer(char32_t replacement, PrependScheme scheme, bool split)
      : replacement_(replacement), scheme_(scheme), split_(split) {
    append_utf8(replacement_utf8_, replacement);
  }

  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    out.clear();
    out.set_first_starts_input(in.first_starts_input());
    thread_local std::string text;
    thread_local std::vector<MatchSpan> matches;
    for (size_t i = 0; i < in.size(); ++i) {
      const std::string_view piece = in[i];
      text.clear();
      const bool prepend = scheme_ == PrependScheme::always ||
                           (scheme_ == PrependScheme::first && i == 0 && in.first_starts_input());
      // The replaced text starts with the replacement if the piece starts with a space or with it already.
      const bool starts_with_replacement =
          piece.front() == ' ' || piece.substr(0, replacement_utf8_.size()) == replacement_utf8_;
      if (prepend && !starts_with_replacement) text.append(replacement_utf8_);
      for (char c : piece) {
        if (c == ' ') {
          text.append(replacement_utf8_);
        } else {
          text.push_back(c);
        }
      }
      if (!split_) {
        out.add(text);
        continue;
      }
      find_char_matches(
          text, [this](char32_t c) { return c == replacement_; }, matches);
      add_split_pieces(text, matches, false, SplitBehavior::merged_with_next, out);
    }
  }

 private:
  char32_t replacement_;
  std::string replacement_utf8_;
  PrependScheme scheme_;
  bool split_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_metaspace_pre_tokenizer(const nlohmann::json& spec) {
  const char32_t replacement = char_field(spec, "replacement", U'\u2581');
  PrependScheme scheme =
      bool_field(spec, "add_prefix_space", true) ? PrependScheme::always : PrependScheme::never;
  if (const auto name = optional_string_field(spec, "prepend_scheme")) {
    if (*name == "always") {
      scheme = PrependScheme::always;
    } else if (*name == "first") {
      scheme = PrependScheme::first;
    } else if (*name == "never") {
      scheme = PrependScheme::never;
    } else {
      fail(ErrorKind::unsupported, "prepend_scheme: unsupported value '{}'", *name);
    }
  }
  return std::make_unique<MetaspacePreTokenizer>(replacement, scheme, bool_field(spec, "split", true));
}

}  // namespace chunkwise::text
