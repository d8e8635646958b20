// The structure-aware chunker on Markdown (headings, paragraphs, fenced code and pipe tables from
// markdown_structure): sections start chunks, small sibling sections merge, tables and code stay whole.
#include "text/chunk/structure_chunker.h"

#include <gtest/gtest.h>

#include "common/error.h"
#include "text/chunk/markdown_structure.h"

namespace chunkwise::text {
namespace {

std::vector<Chunk> chunks_of(std::string_view text, size_t size) {
  const StructureChunker chunker(size);
  const std::vector<Chunk> chunks = chunker.chunk(text, markdown_structure(text));
  for (const Chunk& c : chunks) {
    EXPECT_EQ(c.text, text.substr(c.begin, c.end - c.begin));
    EXPECT_FALSE(c.text.empty());
    EXPECT_NE(c.text.front(), ' ');
    EXPECT_NE(c.text.back(), '\n');
  }
  return chunks;
}

TEST(MarkdownStructure, FindsFencedCodeAndPipeTables) {
  const std::string text =
      "# T\n\n| a | b |\n|---|---|\n| 1 | 2 |\n\ntext\n\n```c\nint x;\n\n# not a heading\n```\n| one row |\n";
  const DocumentStructure s = markdown_structure(text);
  ASSERT_EQ(s.headings.size(), 1u);
  ASSERT_EQ(s.atomic_blocks.size(), 2u);  // the one-row "table" is not one
  EXPECT_EQ(text.substr(s.atomic_blocks[0].begin, s.atomic_blocks[0].end - s.atomic_blocks[0].begin),
            "| a | b |\n|---|---|\n| 1 | 2 |");
  EXPECT_EQ(text.substr(s.atomic_blocks[1].begin, s.atomic_blocks[1].end - s.atomic_blocks[1].begin),
            "```c\nint x;\n\n# not a heading\n```");
  const DocumentStructure unclosed = markdown_structure("a\n```\ncode\n");
  ASSERT_EQ(unclosed.atomic_blocks.size(), 1u);
  EXPECT_EQ(unclosed.atomic_blocks[0].end, 11u);
}

TEST(StructureChunker, StartsAChunkAtEachSectionAndKeepsHeadingsPaths) {
  const std::string text =
      "# Guide\n\nIntro words here.\n\n## Install\n\nRun the installer now please.\n\n# Reference\n\nAll the "
      "options.\n";
  const auto chunks = chunks_of(text, 7);  // Guide (5 words) + Install (7) would be 12
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].text, "# Guide\n\nIntro words here.");
  EXPECT_EQ(chunks[1].text, "## Install\n\nRun the installer now please.");
  EXPECT_EQ(chunks[1].headings, (std::vector<std::string>{"Guide", "Install"}));
  EXPECT_EQ(chunks[2].text, "# Reference\n\nAll the options.");
}

TEST(StructureChunker, MergesSmallSiblingSectionsButNeverIntoAHigherLevel) {
  const std::string text = "# A\n\n## a1\n\nx y.\n\n## a2\n\nz w.\n\n# B\n\nv.\n";
  const auto merged = chunks_of(text, 100);  // a1, a2 under A; B a sibling of A
  ASSERT_EQ(merged.size(), 1u);
  EXPECT_EQ(merged[0].text, text.substr(0, text.size() - 1));
  EXPECT_EQ(merged[0].headings, (std::vector<std::string>{"A"}));
  // A chunk that starts in a subsection does not run on into the next top-level section.
  const std::string nested = "Preamble.\n\n## a1\n\nx y.\n\n## a2\n\nz w.\n\n# B\n\nv.\n";
  const auto chunks = chunks_of(nested, 100);
  ASSERT_EQ(chunks.size(), 3u);
  EXPECT_EQ(chunks[0].text, "Preamble.");
  EXPECT_EQ(chunks[1].text, "## a1\n\nx y.\n\n## a2\n\nz w.");
  EXPECT_EQ(chunks[2].text, "# B\n\nv.");
}

TEST(StructureChunker, NeverCutsATableOrACodeBlock) {
  std::string table = "| name | value |\n|---|---|\n";
  for (int i = 0; i < 20; ++i) table += "| row" + std::to_string(i) + " | " + std::to_string(i) + " |\n";
  const std::string text = "# Data\n\nBefore the table.\n\n" + table + "\nAfter the table.\n\n```\n" +
                           "a b c d e f g h i j k l m n o p\n\nq r s t\n```\n";
  const auto chunks = chunks_of(text, 10);
  const DocumentStructure s = markdown_structure(text);
  ASSERT_EQ(s.atomic_blocks.size(), 2u);
  for (const Span& block : s.atomic_blocks) {
    int containing = 0;
    for (const Chunk& c : chunks) {
      const bool cuts =
          (c.begin > block.begin && c.begin < block.end) || (c.end > block.begin && c.end < block.end);
      EXPECT_FALSE(cuts) << "chunk [" << c.begin << ", " << c.end << ") cuts block [" << block.begin << ", "
                         << block.end << ")";
      containing += c.begin <= block.begin && c.end >= block.end;
    }
    EXPECT_EQ(containing, 1);
  }
  // The 60-word table is one chunk of its own, larger than the size.
  bool table_alone = false;
  for (const Chunk& c : chunks) table_alone |= c.text == table.substr(0, table.size() - 1);
  EXPECT_TRUE(table_alone);
}

TEST(StructureChunker, CutsLongParagraphsAtSentences) {
  const std::string text = "# S\n\nOne two three. Four five six. Seven eight nine. Ten.\n";
  const auto chunks = chunks_of(text, 4);
  std::vector<std::string> texts;
  for (const Chunk& c : chunks) texts.push_back(c.text);
  EXPECT_EQ(texts,
            (std::vector<std::string>{"# S", "One two three.", "Four five six.", "Seven eight nine. Ten."}));
}

TEST(StructureChunker, CutsALaterParagraphsLongSentencesAtWords) {
  // The long paragraph starts after the first (offsets past 0) and holds a multibyte letter; its first
  // sentence (7 words) is longer than the size and is cut at words, its last piece packed with "Sept.".
  const std::string text = "Intro.\n\n\xc3\x89t\xc3\xa9 un deux trois quatre cinq six. Sept.\n";
  std::vector<std::string> texts;
  std::vector<size_t> words;
  for (const Chunk& c : chunks_of(text, 3)) {
    texts.push_back(c.text);
    words.push_back(c.token_count);
  }
  EXPECT_EQ(texts, (std::vector<std::string>{"Intro.", "\xc3\x89t\xc3\xa9 un deux", "trois quatre cinq",
                                             "six. Sept."}));
  EXPECT_EQ(words, (std::vector<size_t>{1, 3, 3, 2}));
}

TEST(StructureChunker, EmptyAndBlankTextHaveNoChunks) {
  EXPECT_TRUE(chunks_of("", 10).empty());
  EXPECT_TRUE(chunks_of(" \n\n \t\n", 10).empty());
  EXPECT_THROW(StructureChunker(0), Error);
  EXPECT_EQ(make_chunker({"structure", 0, 0, false})->describe(), "structure size=256 unit=words");
}

}  // namespace
}  // namespace chunkwise::text
