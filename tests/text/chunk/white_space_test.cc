// The block-at-a-time word scan against a plain per-code-point reference, on random texts that mix ASCII
// blanks, every multi-byte White_Space code point and other multi-byte characters, across 16-byte blocks.
#include "text/chunk/white_space.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "text/chunk/chunker.h"
#include "text/chunk/token_chunker.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {
namespace {

std::vector<std::pair<size_t, size_t>> reference_words(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> words;
  bool in_word = false;
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    const bool space = is_whitespace(next_code_point(text, pos));
    if (!space && !in_word) words.emplace_back(at, pos);
    if (!space) words.back().second = pos;
    in_word = !space;
  }
  return words;
}

TEST(WhiteSpaceScan, MatchesTheReferenceOnRandomTexts) {
  const std::vector<std::string> pieces = {
      "a",      "word",   "x",      "0",      " ",      "  ",         "\t",     "\n",
      "\r\n",   "\v",     "\f",     "\u0085", "\u00A0", "\u1680",     "\u2000", "\u2003",
      "\u200A", "\u2028", "\u2029", "\u202F", "\u205F", "\u3000",     "\u00E9", "\u00C2",
      "\u2014", "\u200B", "\u2060", "\u6771", "\u3042", "\U0001F389", "\u1681"};
  std::mt19937 rng(7);
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = int(rng() % 60);
    for (int i = 0; i < n; ++i) text += pieces[rng() % pieces.size()];
    if (rng() % 4 == 0) text = std::string(rng() % 40, 'q') + text;  // long ASCII runs too
    ASSERT_TRUE(is_valid_utf8(text));
    const auto want = reference_words(text);
    std::vector<std::pair<size_t, size_t>> got;
    for (const Span& w : split_words(text)) got.emplace_back(w.begin, w.end);
    ASSERT_EQ(got, want) << "text: " << ::testing::PrintToString(text);
    ASSERT_EQ(count_words(text), want.size()) << "text: " << ::testing::PrintToString(text);
  }
}

TEST(WhiteSpaceScan, BlockEdges) {
  for (size_t length = 0; length < 70; ++length)
    for (size_t space_at = 0; space_at <= length; ++space_at) {
      std::string text(length, 'w');
      if (space_at < length) text[space_at] = ' ';
      EXPECT_EQ(count_words(text), reference_words(text).size()) << length << " " << space_at;
      EXPECT_EQ(split_words(text).size(), reference_words(text).size()) << length << " " << space_at;
    }
}

}  // namespace
}  // namespace chunkwise::text
