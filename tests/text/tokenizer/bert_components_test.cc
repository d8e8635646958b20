// The BERT components one by one. Every expectation here was produced by Hugging Face `tokenizers` 0.23.2
// (Node binding) on the same input.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/bert.h"

namespace chunkwise::text {
namespace {

using nlohmann::json;
using namespace std::string_literals;  // "...\u0000..."s keeps the NUL

std::string normalize(const json& spec, std::string text) {
  make_bert_normalizer(spec)->normalize(text);
  return text;
}

json normalizer_spec(json strip_accents, bool lowercase, bool clean_text = true,
                     bool handle_chinese_chars = true) {
  return {{"type", "BertNormalizer"},
          {"clean_text", clean_text},
          {"handle_chinese_chars", handle_chinese_chars},
          {"strip_accents", strip_accents},
          {"lowercase", lowercase}};
}

TEST(BertNormalizer, UncasedWithNullStripAccentsStripsAccentsAndLowercases) {
  const json spec = normalizer_spec(nullptr, true);
  EXPECT_EQ(normalize(spec, "H\u00e9llo\tW\u00f6rld\u0000!\u200b"s), "hello world!");
  EXPECT_EQ(normalize(spec, "\u0130stanbul \u03a3\u0391\u03a3"),
            "istanbul \u03c3\u03b1\u03c3");  // no final sigma
  EXPECT_EQ(normalize(spec, "\u01c4 \ufb01 \u1e9e \u212a"), "\u01c6 \ufb01 \u00df k");
}

TEST(BertNormalizer, LowercaseKeepingAccentsUsesFullLowercaseOfDottedCapitalI) {
  const json spec = normalizer_spec(false, true);
  EXPECT_EQ(normalize(spec, "H\u00e9llo\tW\u00f6rld\u0000!\u200b"s), "h\u00e9llo w\u00f6rld!");
  EXPECT_EQ(normalize(spec, "\u0130stanbul"), "i\u0307stanbul");
}

TEST(BertNormalizer, StripAccentsWithoutLowercase) {
  const json spec = normalizer_spec(true, false);
  EXPECT_EQ(normalize(spec, "H\u00e9llo\tW\u00f6rld"), "Hello World");
  EXPECT_EQ(normalize(spec, "\u0130stanbul"), "Istanbul");
}

TEST(BertNormalizer, StripAccentsFollowsHuggingFaceUnicodeTables) {
  const json spec = normalizer_spec(true, false);
  EXPECT_EQ(normalize(spec, "\u07fd"), "\u07fd");          // Mn only since Unicode 11: kept
  EXPECT_EQ(normalize(spec, "\U00011938"), "\U00011938");  // HF's NFD leaves it composed
  EXPECT_EQ(normalize(spec, "e\u0301\u0327"), "e");        // marks of one character, any order
}

TEST(BertNormalizer, CleanTextDropsControlCharactersButKeepsUnassignedOnes) {
  const json spec = normalizer_spec(false, false);
  // \v and U+0085 are control characters (dropped), U+00A0 whitespace (a space), U+FFFD and private use
  // dropped, unassigned U+0378 kept.
  EXPECT_EQ(normalize(spec, "a\u000bb\u0085c\u00a0d\ufffde\ue000f\u0378g"), "abc def\u0378g");
}

TEST(BertNormalizer, ChineseCharactersGetSpacesAround) {
  EXPECT_EQ(normalize(normalizer_spec(false, false), "\u5317\u4eacabc\u6771"), " \u5317  \u4eac abc \u6771 ");
  EXPECT_EQ(normalize(normalizer_spec(false, false), "\U00020000x\u3042"),
            " \U00020000 x\u3042");  // kana: no
}

TEST(BertNormalizer, EverythingOffLeavesTextAlone) {
  const json spec = normalizer_spec(false, false, false, false);
  const std::string text = "H\u00e9llo\tW\u00f6rld\u0000!\u200b\u5317\u4eac"s;
  EXPECT_EQ(normalize(spec, text), text);
}

TEST(BertNormalizer, AsciiFastPathMatchesGeneralPath) {
  const json spec = normalizer_spec(nullptr, true);
  const std::string ascii =
      "A\tB\x01\x7f\x1f"
      "C d\r\n";
  EXPECT_EQ(normalize(spec, ascii), "a bc d  ");
  EXPECT_EQ(normalize(spec, ascii + "\u00c9"), "a bc d  e");  // the same text through the non-ASCII path
}

TEST(BertNormalizer, RejectsMistypedFields) {
  EXPECT_THROW(make_bert_normalizer(json{{"lowercase", "yes"}}), Error);
  EXPECT_THROW(make_bert_normalizer(json::array()), Error);
}

std::vector<std::string> pre_tokenize(std::string_view text) {
  PieceList in, out;
  in.add(text);
  make_bert_pre_tokenizer(json{{"type", "BertPreTokenizer"}})->pre_tokenize(in, out);
  std::vector<std::string> pieces;
  for (size_t i = 0; i < out.size(); ++i) pieces.emplace_back(out[i]);
  return pieces;
}

using Pieces = std::vector<std::string>;

TEST(BertPreTokenizer, SplitsOnWhitespaceAndIsolatesEachPunctuationCharacter) {
  EXPECT_EQ(pre_tokenize("Hello, world!! (yes)"), (Pieces{"Hello", ",", "world", "!", "!", "(", "yes", ")"}));
  EXPECT_EQ(pre_tokenize(" \t lead\u3000trail  "), (Pieces{"lead", "trail"}));
}

TEST(BertPreTokenizer, AsciiSymbolsCountAsPunctuation) {
  EXPECT_EQ(pre_tokenize("don't $5+3=8 a|b ~x^ `q`"), (Pieces{"don", "'", "t", "$", "5", "+", "3", "=", "8",
                                                              "a", "|", "b", "~", "x", "^", "`", "q", "`"}));
}

TEST(BertPreTokenizer, UnicodePunctuationAsHuggingFaceClassifiesIt) {
  EXPECT_EQ(pre_tokenize("\u00bfQu\u00e9? \u00abhi\u00bb \u2014 ok\u2026"),
            (Pieces{"\u00bf", "Qu\u00e9", "?", "\u00ab", "hi", "\u00bb", "\u2014", "ok", "\u2026"}));
  // U+2E43 is punctuation only in newer Unicode; U+166D was punctuation in older Unicode.
  EXPECT_EQ(pre_tokenize("a\u2e43b\u166dc"), (Pieces{"a\u2e43b", "\u166d", "c"}));
}

TEST(BertPreTokenizer, KeepsEarlierSplits) {
  PieceList in, out;
  in.add("ab");
  in.add("c,d");
  make_bert_pre_tokenizer(json::object())->pre_tokenize(in, out);
  ASSERT_EQ(out.size(), 4u);
  EXPECT_EQ(out[0], "ab");
  EXPECT_EQ(out[1], "c");
  EXPECT_EQ(out[2], ",");
  EXPECT_EQ(out[3], "d");
}

class WordPieceModelTest : public ::testing::Test {
 protected:
  std::vector<TokenId> encode(std::string_view word) const {
    std::vector<TokenId> ids;
    model_->encode_piece(word, ids);
    return ids;
  }
  const json vocab_ = {{"[UNK]", 0},     {"un", 1},  {"##aff", 2}, {"##able", 3}, {"unaff", 4},
                       {"a", 5},         {"##a", 6}, {"##b", 7},   {"b", 8},      {"\u00e9", 9},
                       {"##\u00e9", 10}, {"##", 11}, {"#", 12}};
  std::unique_ptr<Model> model_ = make_wordpiece_model({{"type", "WordPiece"},
                                                        {"unk_token", "[UNK]"},
                                                        {"continuing_subword_prefix", "##"},
                                                        {"max_input_chars_per_word", 5},
                                                        {"vocab", vocab_}});
};

TEST_F(WordPieceModelTest, GreedyLongestMatchFirst) {
  EXPECT_EQ(encode("unaff"), (std::vector<TokenId>{4}));
  EXPECT_EQ(encode("abab"), (std::vector<TokenId>{5, 7, 6, 7}));
  EXPECT_EQ(encode("ab"), (std::vector<TokenId>{5, 7}));
  EXPECT_EQ(encode("b\u00e9\u00e9b"), (std::vector<TokenId>{8, 10, 10, 7}));
  EXPECT_EQ(encode("aaaaa"), (std::vector<TokenId>{5, 6, 6, 6, 6}));
}

TEST_F(WordPieceModelTest, WordThatCannotBeCutCompletelyIsOneUnknown) {
  EXPECT_EQ(encode("abc"), (std::vector<TokenId>{0}));
  EXPECT_EQ(encode("###a"), (std::vector<TokenId>{0}));
  EXPECT_EQ(encode("#"), (std::vector<TokenId>{12}));
  EXPECT_EQ(encode("##"), (std::vector<TokenId>{11}));
}

TEST_F(WordPieceModelTest, WordLongerThanMaxInputCharsIsOneUnknown) {
  EXPECT_EQ(encode("a\u00e9\u00e9"), (std::vector<TokenId>{5, 10, 10}));
  EXPECT_EQ(encode("aaaaaa"), (std::vector<TokenId>{0}));
  EXPECT_EQ(encode("unaffable"), (std::vector<TokenId>{0}));
}

TEST_F(WordPieceModelTest, Vocabulary) {
  EXPECT_EQ(model_->vocab_size(), 13u);
  EXPECT_EQ(model_->token_to_id("##able"), 3);
  EXPECT_EQ(model_->token_to_id("able"), std::nullopt);
  EXPECT_EQ(model_->id_to_token(9), "\u00e9");
  EXPECT_EQ(model_->id_to_token(13), std::nullopt);
}

TEST(WordPieceModel, MissingUnknownTokenIsAnErrorWhenNeeded) {
  auto model = make_wordpiece_model({{"vocab", {{"a", 0}}}, {"unk_token", "[UNK]"}});
  std::vector<TokenId> ids;
  model->encode_piece("a", ids);
  EXPECT_EQ(ids, (std::vector<TokenId>{0}));
  EXPECT_THROW(model->encode_piece("b", ids), Error);
}

TEST(WordPieceModel, RejectsMalformedSpecs) {
  EXPECT_THROW(make_wordpiece_model(json{{"vocab", json::array()}}), Error);
  EXPECT_THROW(make_wordpiece_model(json{{"vocab", {{"a", -1}}}}), Error);
  EXPECT_THROW(make_wordpiece_model(json{{"vocab", {{"a", "0"}}}}), Error);
  EXPECT_THROW(make_wordpiece_model(json{{"vocab", json::object()}, {"max_input_chars_per_word", -3}}),
               Error);
}

std::string decode(const json& spec, std::vector<std::string> tokens) {
  make_wordpiece_decoder(spec)->decode_chain(tokens);
  std::string text;
  for (const auto& token : tokens) text += token;
  return text;
}

TEST(WordPieceDecoder, JoinsContinuationsAndCleansUpPerToken) {
  const json spec = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  EXPECT_EQ(decode(spec, {"##un", "##aff", "##able", ",", "it", "'", "s", "ok", ".", "don", "'", "t", "?",
                          "!", "do", "not"}),
            "##unaffable, it ' s ok. don ' t?! do not");
  EXPECT_EQ(decode(spec, {"hello", "##", "###x", "a", " ."}), "hello#x a .");
}

TEST(WordPieceDecoder, WithoutCleanupAndOtherPrefix) {
  const json spec = {{"type", "WordPiece"}, {"prefix", "@@"}, {"cleanup", false}};
  EXPECT_EQ(decode(spec, {"##un", "##aff", ",", "it", "'", "s", "."}), "##un ##aff , it ' s .");
  EXPECT_EQ(decode(spec, {"a", "@@b", "c@@", "@@@@d"}), "ab c@@@@d");
}

}  // namespace
}  // namespace chunkwise::text
