// Unit tests per component. Every expected value was produced by Hugging Face tokenizers 0.23.2 (Node
// binding) from the same component settings.
#include <gtest/gtest.h>
#include <utf8proc.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/piece_list.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {
namespace {

using nlohmann::json;
using Pieces = std::vector<std::string>;

std::string utf8_of(char32_t c) {
  std::string out;
  append_utf8(out, c);
  return out;
}

Pieces pre_tokenize(const json& spec, std::string_view text) {
  const auto pre_tokenizer = make_pre_tokenizer(spec);
  PieceList in, out;
  in.add(text);
  in.set_first_starts_input(true);
  pre_tokenizer->pre_tokenize(in, out);
  Pieces pieces;
  for (size_t i = 0; i < out.size(); ++i) pieces.emplace_back(out[i]);
  return pieces;
}

std::string normalize(const json& spec, std::string text) {
  make_normalizer(spec)->normalize(text);
  return text;
}

std::string decode(const json& spec, std::vector<std::string> tokens) {
  make_decoder(spec)->decode_chain(tokens);
  std::string text;
  for (const auto& t : tokens) text += t;
  return text;
}

json split(const char* literal, const char* behavior, bool invert) {
  return {{"type", "Split"}, {"pattern", {{"String", literal}}}, {"behavior", behavior}, {"invert", invert}};
}

TEST(SplitPreTokenizer, Behaviors) {
  EXPECT_EQ(pre_tokenize(split("-", "Removed", false), "a-b--c-"), (Pieces{"a", "b", "c"}));
  EXPECT_EQ(pre_tokenize(split("-", "Removed", true), "a-b--c-"), (Pieces{"-", "-", "-", "-"}));
  EXPECT_EQ(pre_tokenize(split("-", "Isolated", false), "a-b--c-"),
            (Pieces{"a", "-", "b", "-", "-", "c", "-"}));
  EXPECT_EQ(pre_tokenize(split("-", "Isolated", true), "a-b--c-"),
            (Pieces{"a", "-", "b", "-", "-", "c", "-"}));
  EXPECT_EQ(pre_tokenize(split("-", "MergedWithPrevious", false), "a-b--c-"),
            (Pieces{"a-", "b-", "-", "c-"}));
  EXPECT_EQ(pre_tokenize(split("-", "MergedWithPrevious", true), "a-b--c-"),
            (Pieces{"a", "-b", "-", "-c", "-"}));
  EXPECT_EQ(pre_tokenize(split("-", "MergedWithNext", false), "a-b--c-"),
            (Pieces{"a", "-b", "-", "-c", "-"}));
  EXPECT_EQ(pre_tokenize(split("-", "MergedWithNext", true), "a-b--c-"), (Pieces{"a-", "b-", "-", "c-"}));
  EXPECT_EQ(pre_tokenize(split("-", "Contiguous", false), "a-b--c-"),
            (Pieces{"a", "-", "b", "--", "c", "-"}));
  EXPECT_EQ(pre_tokenize(split("-", "Contiguous", true), "a-b--c-"), (Pieces{"a", "-", "b", "--", "c", "-"}));
  EXPECT_EQ(pre_tokenize(split(" ", "Isolated", false), " a  b "), (Pieces{" ", "a", " ", " ", "b", " "}));
}

TEST(SplitPreTokenizer, RegexWithUnicodeClasses) {
  const json spec = {{"type", "Split"},
                     {"pattern", {{"Regex", R"(\p{N}{1,3}| ?\p{L}+|\s+)"}}},
                     {"behavior", "Isolated"},
                     {"invert", false}};
  EXPECT_EQ(pre_tokenize(spec, "abc 12345 ünï"), (Pieces{"abc", " ", "123", "45", " ünï"}));
}

TEST(PreTokenizers, WhitespaceFamily) {
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}},
                         "Hello, world!  How's it going?\n\tfine-ish... 123 4567 ½² naïve_x ① é"),
            (Pieces{"Hello", ",", "world", "!",   "How", "'",    "s",  "it",      "going", "?",
                    "fine",  "-", "ish",   "...", "123", "4567", "½²", "naïve_x", "①",     "é"}));
  EXPECT_EQ(pre_tokenize({{"type", "Whitespace"}}, "aⒶb 🅰x Ⅻy ²z ⁿq ªw 々e ゝr ・t ー u"),
            (Pieces{"aⒶb", "🅰x", "Ⅻy", "²", "z", "ⁿq", "ªw", "々e", "ゝr", "・", "t", "ー", "u"}));
  EXPECT_EQ(pre_tokenize({{"type", "WhitespaceSplit"}}, " a\u00a0b\u3000c\td\n "),
            (Pieces{"a", "b", "c", "d"}));
  EXPECT_EQ(pre_tokenize({{"type", "CharDelimiterSplit"}, {"delimiter", "x"}}, "axbxxc x"),
            (Pieces{"a", "b", "c "}));
}

TEST(PreTokenizers, PunctuationAndDigits) {
  EXPECT_EQ(pre_tokenize({{"type", "Punctuation"}, {"behavior", "Isolated"}}, "Hi!! (yes)...¿qué?"),
            (Pieces{"Hi", "!", "!", " ", "(", "yes", ")", ".", ".", ".", "¿", "qué", "?"}));
  EXPECT_EQ(pre_tokenize({{"type", "Punctuation"}, {"behavior", "Contiguous"}}, "Hi!! (yes)...¿qué?"),
            (Pieces{"Hi", "!!", " ", "(", "yes", ")...¿", "qué", "?"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", true}}, "a123b45 ٣٤ ½"),
            (Pieces{"a", "1", "2", "3", "b", "4", "5", " ", "٣", "٤", " ", "½"}));
  EXPECT_EQ(pre_tokenize({{"type", "Digits"}, {"individual_digits", false}}, "a123b45 ٣٤ ½"),
            (Pieces{"a", "123", "b", "45", " ", "٣٤", " ", "½"}));
}

TEST(PreTokenizers, Metaspace) {
  auto metaspace = [](const char* scheme, bool split) {
    return json{{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", scheme}, {"split", split}};
  };
  EXPECT_EQ(pre_tokenize(metaspace("always", true), "Hello  world "), (Pieces{"▁Hello", "▁", "▁world", "▁"}));
  EXPECT_EQ(pre_tokenize(metaspace("first", true), "Hello world"), (Pieces{"▁Hello", "▁world"}));
  EXPECT_EQ(pre_tokenize(metaspace("never", true), "Hello world"), (Pieces{"Hello", "▁world"}));
  EXPECT_EQ(pre_tokenize(metaspace("always", false), "Hello world"), (Pieces{"▁Hello▁world"}));
  // Legacy form: add_prefix_space instead of prepend_scheme.
  EXPECT_EQ(pre_tokenize({{"type", "Metaspace"}, {"replacement", "▁"}, {"add_prefix_space", false}}, "a b"),
            (Pieces{"a", "▁b"}));
}

TEST(PreTokenizers, ByteLevelAndSequence) {
  EXPECT_EQ(pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", true}, {"use_regex", true}},
                         "Hello world's 123 ünïcode\n\n  x"),
            (Pieces{"ĠHello", "Ġworld", "'s", "Ġ123", "ĠÃ¼nÃ¯code", "ĊĊĠ", "Ġx"}));
  EXPECT_EQ(
      pre_tokenize({{"type", "ByteLevel"}, {"add_prefix_space", false}, {"use_regex", false}}, "Hi there é"),
      (Pieces{"HiĠthereĠÃ©"}));
  const json sequence = {
      {"type", "Sequence"},
      {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "Digits"}, {"individual_digits", true}}}}};
  EXPECT_EQ(pre_tokenize(sequence, "ab12 c3"), (Pieces{"ab", "1", "2", "c", "3"}));
}

TEST(Normalizers, UnicodeForms) {
  EXPECT_EQ(normalize({{"type", "NFC"}}, "e\u0301 A\u030a \u212b \ufb01"), "é Å Å ﬁ");
  EXPECT_EQ(normalize({{"type", "NFD"}}, "é Å"), "e\u0301 A\u030a");
  EXPECT_EQ(normalize({{"type", "NFKC"}}, "\ufb01 \u2460 \uff21 e\u0301 \u00bd"), "fi 1 A é 1⁄2");
  EXPECT_EQ(normalize({{"type", "NFKD"}}, "\ufb01 é"), "fi e\u0301");
}

TEST(Normalizers, NfcFastPathAgreesWithUtf8procForEveryCodePoint) {
  const auto nfc = make_normalizer({{"type", "NFC"}});
  for (char32_t c = 0x80; c < 0x30000; ++c) {
    if (c >= 0xD800 && c <= 0xDFFF) continue;
    std::string text = "a";
    text += utf8_of(c);
    text += "\u4e2d";
    utf8proc_uint8_t* expected = nullptr;
    const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                     static_cast<utf8proc_ssize_t>(text.size()), &expected,
                                     static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    ASSERT_GE(length, 0);
    const std::string want(reinterpret_cast<const char*>(expected), static_cast<size_t>(length));
    std::free(expected);
    std::string got = text;
    nfc->normalize(got);
    ASSERT_EQ(got, want) << "U+" << std::hex << static_cast<uint32_t>(c);
  }
}

TEST(Normalizers, CaseStripReplacePrepend) {
  EXPECT_EQ(normalize({{"type", "Lowercase"}}, "HeLLo ÀÉÎ İSTANBUL ΣΑΣ ǅ"), "hello àéî i̇stanbul σασ ǆ");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", true}}, " \t a b \u3000\n"),
            "a b");
  EXPECT_EQ(normalize({{"type", "Strip"}, {"strip_left", true}, {"strip_right", false}}, "  a b  "), "a b  ");
  EXPECT_EQ(
      normalize({{"type", "Sequence"}, {"normalizers", {{{"type", "NFD"}}, {{"type", "StripAccents"}}}}},
                "Café naïve Ångström"),
      "Cafe naive Angstrom");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", "▁"}}, " a  b "),
            "▁a▁▁b▁");
  EXPECT_EQ(normalize({{"type", "Replace"}, {"pattern", {{"Regex", "\\s+"}}}, {"content", "_"}}, "a  b\t\nc"),
            "a_b_c");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "▁"}}, "abc"), "▁abc");
  EXPECT_EQ(normalize({{"type", "Prepend"}, {"prepend", "▁"}}, ""), "");
}

TEST(Decoders, Metaspace) {
  EXPECT_EQ(
      decode({{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "always"}, {"split", true}},
             {"▁Hello", "▁wor", "ld", "▁▁x"}),
      "Hello world  x");
  EXPECT_EQ(
      decode({{"type", "Metaspace"}, {"replacement", "▁"}, {"prepend_scheme", "never"}, {"split", true}},
             {"▁Hello", "▁wor", "ld"}),
      " Hello world");
}

TEST(Decoders, ByteFallbackFuseStripReplaceBpe) {
  EXPECT_EQ(decode({{"type", "Sequence"}, {"decoders", {{{"type", "ByteFallback"}}, {{"type", "Fuse"}}}}},
                   {"a", "<0xE4>", "<0xB8>", "<0xAD>", "b", "<0xE4>", "<0xB8>", "c", "<0xFF>"}),
            "a中b\uFFFD\uFFFDc\uFFFD");
  EXPECT_EQ(decode({{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 1}}, {"  a  "}), " a ");
  EXPECT_EQ(decode({{"type", "Sequence"},
                    {"decoders",
                     {{{"type", "Replace"}, {"pattern", {{"String", "▁"}}}, {"content", " "}},
                      {{"type", "Fuse"}},
                      {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}},
                   {"▁Hello", "▁world"}),
            "Hello world");
  EXPECT_EQ(decode({{"type", "BPEDecoder"}, {"suffix", "</w>"}}, {"hel", "lo</w>", "wor", "ld</w>"}),
            "hello world");
}

TEST(Decoders, ByteLevelKeepsNonAlphabetTokensAndRepairsUtf8) {
  // "Ã©" is é; "<|im_end|>" is all alphabet characters; " x" holds a raw space (not in the alphabet), so its
  // bytes are kept; a lone "ä¸" (two of three bytes of 中) becomes U+FFFD.
  EXPECT_EQ(decode({{"type", "ByteLevel"}}, {"Hello", "Ġworld", "Ċ", "Ã©", "<|im_end|>", " x", "ä¸"}),
            "Hello world\né<|im_end|> x\uFFFD");
}

}  // namespace
}  // namespace chunkwise::text
