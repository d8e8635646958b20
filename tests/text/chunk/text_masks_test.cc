// TextMasks against plain per-byte and per-code-point references, on random texts that mix ASCII blanks,
// newlines, every multi-byte White_Space code point and other multi-byte characters across 64-byte words,
// and on random bytes for the UTF-8 check.
#include "text/chunk/text_masks.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "text/chunk/chunker.h"
#include "text/chunk/cpu_features.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {
namespace {

std::string random_text(std::mt19937& rng) {
  static const std::vector<std::string> pieces = {
      "a",      "word",   "x",      " ",      "  ",     "\n",     "\n\n",   "\n\n\n", "\t",         "\r\n",
      "\v",     "\f",     "\u0085", "\u00A0", "\u1680", "\u2000", "\u200A", "\u2028", "\u202F",     "\u3000",
      "\u00E9", "\u00C2", "\u2014", "\u200B", "\u6771", "\u3042", "\u1681", "\u2030", "\U0001F389", "\u0100"};
  std::string text;
  const int n = int(rng() % 90);
  for (int i = 0; i < n; ++i) {
    text += pieces[rng() % pieces.size()];
    if (rng() % 16 == 0) text += std::string(rng() % 70, 'q');  // runs across whole 64-byte words
  }
  return text;
}

// The code point boundaries of `text` (0 and text.size() included).
std::vector<size_t> boundaries(std::string_view text) {
  std::vector<size_t> at;
  for (size_t pos = 0; pos < text.size(); next_code_point(text, pos)) at.push_back(pos);
  at.push_back(text.size());
  return at;
}

// Every start of `separator` in (begin, end) that lies whole inside [begin, end).
std::vector<size_t> reference_find(std::string_view text, std::string_view separator, Span span) {
  std::vector<size_t> hits;
  for (size_t pos = span.begin + 1; pos + separator.size() <= span.end; ++pos)
    if (text.substr(pos, separator.size()) == separator) hits.push_back(pos);
  return hits;
}

// Each test runs twice: with the AVX2 paths where the CPU has them, and with the portable ones.
class TextMasksPaths : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override { avx2_paths_allowed = GetParam(); }
  void TearDown() override { avx2_paths_allowed = true; }
};

INSTANTIATE_TEST_SUITE_P(Paths, TextMasksPaths, ::testing::Values(true, false),
                         [](const ::testing::TestParamInfo<bool>& info) {
                           return info.param ? "avx2_where_available" : "portable";
                         });

TEST_P(TextMasksPaths, MatchTheReferencesOnRandomTexts) {
  std::mt19937 rng(11);
  const std::vector<std::pair<TextMasks::Separator, std::string_view>> separators = {
      {TextMasks::Separator::blank_line, "\n\n"},
      {TextMasks::Separator::newline, "\n"},
      {TextMasks::Separator::blank, " "}};
  for (int round = 0; round < 600; ++round) {
    const std::string text = random_text(rng);
    const TextMasks masks(text);
    EXPECT_EQ(masks.size(), text.size());
    EXPECT_EQ(masks.ascii(), is_ascii(text));
    const std::vector<size_t> at = boundaries(text);
    for (int probe = 0; probe < 20; ++probe) {
      size_t a = at[rng() % at.size()], b = at[rng() % at.size()];
      if (a > b) std::swap(a, b);
      const Span span{a, b};
      const std::string_view part = std::string_view(text).substr(a, b - a);
      const std::string context =
          ::testing::PrintToString(text) + " [" + std::to_string(a) + ", " + std::to_string(b) + ")";
      ASSERT_EQ(masks.words(span), count_words(part)) << context;
      ASSERT_EQ(masks.code_points(span), boundaries(part).size() - 1) << context;
      const Span trimmed = masks.trim(span), want = trim_white_space(text, span);
      if (want.begin < want.end) {
        ASSERT_EQ(trimmed.begin, want.begin) << context;
        ASSERT_EQ(trimmed.end, want.end) << context;
      } else {
        ASSERT_EQ(trimmed.begin, trimmed.end) << context;
      }
      for (const auto& [separator, bytes] : separators) {
        std::vector<size_t> hits;
        masks.find(separator, span, hits);
        ASSERT_EQ(hits, reference_find(text, bytes, span))
            << context << " " << ::testing::PrintToString(bytes);
        const bool contained =
            a < b && std::string_view(text).substr(a, b - a).find(bytes) != std::string::npos;
        ASSERT_EQ(masks.contains(separator, span), contained)
            << context << " " << ::testing::PrintToString(bytes);
      }
    }
  }
}

TEST_P(TextMasksPaths, WordEdges) {
  // Every length around the 64-byte words, with one blank (or a multi-byte White_Space) anywhere.
  for (const std::string blank : {" ", "\u3000"})
    for (size_t length = 0; length < 140; ++length)
      for (size_t blank_at = 0; blank_at <= length; blank_at += 7) {
        std::string text(length, 'w');
        if (blank_at < length) text.replace(blank_at, 1, blank);
        const TextMasks masks(text);
        ASSERT_EQ(masks.words({0, text.size()}), count_words(text)) << length << " " << blank_at;
        std::vector<size_t> hits;
        masks.find(TextMasks::Separator::blank, {0, text.size()}, hits);
        ASSERT_EQ(hits, reference_find(text, " ", {0, text.size()})) << length << " " << blank_at;
      }
}

TEST_P(TextMasksPaths, RejectInvalidUtf8AsTheValidatorDoes) {
  std::mt19937 rng(5);
  const std::vector<std::string> bad = {"\xFF",     "\xC0\x80", "\xED\xA0\x80", "\xF4\x90\x80\x80",
                                        "\xE2\x82", "\x80",     "\xC3",         "\xF0\x9F\x8E"};
  int invalid = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string text = random_text(rng);
    if (rng() % 2 == 0) {
      const size_t at = text.empty() ? 0 : rng() % text.size();
      if (rng() % 2 == 0)
        text.insert(at, bad[rng() % bad.size()]);
      else if (!text.empty())
        text[at] = char(rng());  // any byte, which may or may not break a sequence
    }
    const bool valid = is_valid_utf8(text);
    invalid += !valid;
    try {
      const TextMasks masks(text);
      ASSERT_TRUE(valid) << ::testing::PrintToString(text);
    } catch (const Error& e) {
      ASSERT_FALSE(valid) << ::testing::PrintToString(text);
      ASSERT_EQ(e.kind(), ErrorKind::invalid_input);
    }
  }
  EXPECT_GT(invalid, 500);  // the test saw many invalid texts
}

}  // namespace
}  // namespace chunkwise::text
