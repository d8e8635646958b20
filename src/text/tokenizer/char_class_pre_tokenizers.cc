// The pre-tokenizers that split on a class of characters: Digits, Whitespace, WhitespaceSplit, Punctuation,
// CharDelimiterSplit.
#include <nlohmann/json.hpp>

#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/pre_tokenizers.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

template <typename Predicate>
class CharSplitPreTokenizer final : public PreTokenizer {
 public:
  CharSplitPreTokenizer(Predicate is_delimiter, SplitBehavior behavior)
      : is_delimiter_(is_delimiter), behavior_(behavior) {}

  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    out.clear();
    out.set_first_starts_input(in.first_starts_input());
    thread_local std::vector<MatchSpan> matches;
    for (size_t i = 0; i < in.size(); ++i) {
      find_char_matches(in[i], is_delimiter_, matches);
      add_split_pieces(in[i], matches, false, behavior_, out);
    }
  }

 private:
  Predicate is_delimiter_;
  SplitBehavior behavior_;
};

template <typename Predicate>
std::unique_ptr<PreTokenizer> make_char_split(Predicate is_delimiter, SplitBehavior behavior) {
  return std::make_unique<CharSplitPreTokenizer<Predicate>>(is_delimiter, behavior);
}

// Whitespace: the matches of \w+|[^\w\s]+ (Rust regex classes); whitespace is dropped.
class WhitespacePreTokenizer final : public PreTokenizer {
 public:
  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    out.clear();
    out.set_first_starts_input(in.first_starts_input());
    for (size_t i = 0; i < in.size(); ++i) {
      const std::string_view piece = in[i];
      int current = 0;  // 0: whitespace, 1: word characters, 2: other characters
      size_t run_start = 0, pos = 0;
      while (pos < piece.size()) {
        const size_t start = pos;
        const char32_t c = next_code_point(piece, pos);
        const int kind = is_word_char(c) ? 1 : is_whitespace(c) ? 0 : 2;
        if (kind != current) {
          if (current != 0) out.add(piece.substr(run_start, start - run_start));
          current = kind;
          run_start = start;
        }
      }
      if (current != 0) out.add(piece.substr(run_start));
    }
  }
};

}  // namespace

std::unique_ptr<PreTokenizer> make_digits_pre_tokenizer(const nlohmann::json& spec) {
  const bool individual = bool_field(spec, "individual_digits", false);
  return make_char_split([](char32_t c) { return is_numeric(c); },
                         individual ? SplitBehavior::isolated : SplitBehavior::contiguous);
}

std::unique_ptr<PreTokenizer> make_whitespace_pre_tokenizer() {
  return std::make_unique<WhitespacePreTokenizer>();
}

std::unique_ptr<PreTokenizer> make_whitespace_split_pre_tokenizer() {
  return make_char_split([](char32_t c) { return is_whitespace(c); }, SplitBehavior::removed);
}

std::unique_ptr<PreTokenizer> make_punctuation_pre_tokenizer(const nlohmann::json& spec) {
  const auto behavior =
      spec.contains("behavior") ? parse_split_behavior(spec["behavior"]) : SplitBehavior::isolated;
  return make_char_split([](char32_t c) { return is_punctuation(c); }, behavior);
}

std::unique_ptr<PreTokenizer> make_char_delimiter_pre_tokenizer(const nlohmann::json& spec) {
  require_field(spec, "delimiter");
  const char32_t delimiter = char_field(spec, "delimiter", 0);
  return make_char_split([delimiter](char32_t c) { return c == delimiter; }, SplitBehavior::removed);
}

}  // namespace chunkwise::text
