// Markdown structure: ATX headings (levels, closing sequences, what is not a heading), fenced code blocks
// skipped, and the headings path and page each chunk gets.
#include "text/chunk/markdown_structure.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>

#include "text/chunk/chunker.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::text {
namespace {

std::vector<std::pair<int, std::string>> levels_and_titles(std::string_view text) {
  std::vector<std::pair<int, std::string>> out;
  for (const Heading& h : markdown_structure(text).headings) out.emplace_back(h.level, h.title);
  return out;
}

TEST(MarkdownStructure, AtxHeadings) {
  using P = std::pair<int, std::string>;
  EXPECT_THAT(
      levels_and_titles("# One\n## Two ##\n   ### Three\t#\n###### Six\n#\tTab\n# #\n"),
      ::testing::ElementsAre(P{1, "One"}, P{2, "Two"}, P{3, "Three"}, P{6, "Six"}, P{1, "Tab"}, P{1, ""}));
  EXPECT_THAT(levels_and_titles("#NoSpace\n####### Seven\n    # indented code\ntext # not\n\\# escaped\n"),
              ::testing::IsEmpty());
  EXPECT_THAT(levels_and_titles("# C# and F#\n# Ends with #hash\r\n"),
              ::testing::ElementsAre(P{1, "C# and F#"}, P{1, "Ends with #hash"}));
}

TEST(MarkdownStructure, FencedCodeBlocksAreSkipped) {
  using P = std::pair<int, std::string>;
  const std::string text =
      "# Real\n```python\n# comment, not a heading\n```\n## After\n~~~~\n# no\n~~~\n# still code\n~~~~~\n"
      "# Last\n````\n# unclosed fence runs to the end\n";
  EXPECT_THAT(levels_and_titles(text), ::testing::ElementsAre(P{1, "Real"}, P{2, "After"}, P{1, "Last"}));
}

TEST(MarkdownStructure, ChunksGetTheirHeadingsPath) {
  const std::string text = "intro words\n# A\nalpha\n## B\nbeta\n### C\ngamma\n## D\ndelta\n# E\nepsilon\n";
  const DocumentStructure structure = markdown_structure(text);
  ASSERT_EQ(structure.headings.size(), 5u);
  EXPECT_EQ(structure.headings[1].begin, text.find("## B"));
  const auto chunks = TokenChunker(1, 0).chunk(text, structure);
  std::map<std::string, std::vector<std::string>> by_word;
  for (const Chunk& chunk : chunks) by_word[chunk.text] = chunk.headings;
  using V = std::vector<std::string>;
  EXPECT_EQ(by_word["intro"], V{});
  EXPECT_EQ(by_word["alpha"], (V{"A"}));
  EXPECT_EQ(by_word["beta"], (V{"A", "B"}));
  EXPECT_EQ(by_word["gamma"], (V{"A", "B", "C"}));
  EXPECT_EQ(by_word["delta"], (V{"A", "D"}));
  EXPECT_EQ(by_word["epsilon"], (V{"E"}));
  EXPECT_EQ(by_word["B"], (V{"A", "B"}));  // the heading line itself is under its own heading
}

TEST(MarkdownStructure, PagesComeFromPageStarts) {
  DocumentStructure structure;
  structure.page_starts = {0, 4};
  const auto chunks = TokenChunker(1, 0).chunk("one\ntwo\nthree", structure);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].page, 1);
  EXPECT_EQ(chunks[1].page, 2);
  EXPECT_EQ(chunks[2].page, 2);
  EXPECT_EQ(TokenChunker(1, 0).chunk("no pages")[0].page, 0);
}

}  // namespace
}  // namespace chunkwise::text
