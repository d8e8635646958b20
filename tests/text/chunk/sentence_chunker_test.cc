// Sentence splitting (ICU plus abbreviation handling) and the sentence chunker's packing, overlap, long
// sentences and offsets.
#include "text/chunk/sentence_chunker.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace chunkwise::text {
namespace {

std::vector<std::string> sentences_of(std::string_view text) {
  std::vector<std::string> out;
  for (const Span& s : split_sentences(text)) out.emplace_back(text.substr(s.begin, s.end - s.begin));
  return out;
}

TEST(SplitSentences, BreaksAtSentenceEndsOnly) {
  EXPECT_EQ(sentences_of("One two. Three four! Five six? Seven"),
            (std::vector<std::string>{"One two.", "Three four!", "Five six?", "Seven"}));
  EXPECT_EQ(sentences_of("Dr. Smith met Mr. Jones at 3.30 p.m. today. They talked."),
            (std::vector<std::string>{"Dr. Smith met Mr. Jones at 3.30 p.m. today.", "They talked."}));
  EXPECT_EQ(sentences_of("Use a tool, e.g. curl. It works."),
            (std::vector<std::string>{"Use a tool, e.g. curl.", "It works."}));
  EXPECT_EQ(sentences_of("See Fig. 3 and No. 7 for details. Done."),
            (std::vector<std::string>{"See Fig. 3 and No. 7 for details.", "Done."}));
  EXPECT_EQ(sentences_of("J. R. R. Tolkien wrote it. He was British."),
            (std::vector<std::string>{"J. R. R. Tolkien wrote it.", "He was British."}));
  EXPECT_EQ(sentences_of("He served in the U.S. army for years. Then he left."),
            (std::vector<std::string>{"He served in the U.S. army for years.", "Then he left."}));
  EXPECT_EQ(sentences_of("A paragraph ends here.\n\nthe next starts in lower case."),
            (std::vector<std::string>{"A paragraph ends here.", "the next starts in lower case."}));
  EXPECT_EQ(sentences_of("Version 2.5.1 is out. Get it."),
            (std::vector<std::string>{"Version 2.5.1 is out.", "Get it."}));
}

TEST(SplitSentences, OffsetsAreBytesOfTheUtf8Source) {
  const std::string text = "  Grüße aus Köln. 東京は大きい。 Emoji 🎉 here! Ünïcödé.\n\n";
  const auto spans = split_sentences(text);
  ASSERT_EQ(spans.size(), 4u);
  EXPECT_EQ(text.substr(spans[0].begin, spans[0].end - spans[0].begin), "Grüße aus Köln.");
  EXPECT_EQ(text.substr(spans[1].begin, spans[1].end - spans[1].begin), "東京は大きい。");
  EXPECT_EQ(text.substr(spans[2].begin, spans[2].end - spans[2].begin), "Emoji 🎉 here!");
  EXPECT_EQ(text.substr(spans[3].begin, spans[3].end - spans[3].begin), "Ünïcödé.");
  EXPECT_TRUE(split_sentences("").empty());
  EXPECT_TRUE(split_sentences(" \n\t ").empty());
}

TEST(SentenceChunker, PacksWholeSentencesUpToTheSize) {
  const SentenceChunker chunker(6, 0);
  const std::string text = "A b c. D e f. G h. I j k l m. N.";
  std::vector<std::string> chunks;
  for (const Chunk& c : chunker.chunk(text)) {
    EXPECT_EQ(c.text, text.substr(c.begin, c.end - c.begin));
    chunks.push_back(c.text);
  }
  EXPECT_EQ(chunks, (std::vector<std::string>{"A b c. D e f.", "G h.", "I j k l m. N."}));
}

TEST(SentenceChunker, OverlapRepeatsTrailingSentences) {
  const SentenceChunker chunker(6, 3);
  std::vector<std::string> chunks;
  for (const Chunk& c : chunker.chunk("A b c. D e f. G h i. J.")) chunks.push_back(c.text);
  EXPECT_EQ(chunks, (std::vector<std::string>{"A b c. D e f.", "D e f. G h i.", "G h i. J."}));
}

TEST(SentenceChunker, CutsASentenceLongerThanTheSizeAtWords) {
  const SentenceChunker chunker(4, 2);
  std::vector<std::string> chunks;
  for (const Chunk& c : chunker.chunk("Short one. A b c d e f g h i j. End.")) chunks.push_back(c.text);
  EXPECT_EQ(chunks, (std::vector<std::string>{"Short one.", "A b c d", "e f g h", "i j. End."}));
}

TEST(SentenceChunker, RejectsBadSettingsAndInvalidUtf8) {
  EXPECT_THROW(SentenceChunker(0, 0), Error);
  EXPECT_THROW(SentenceChunker(5, 5), Error);
  const SentenceChunker chunker(10, 0);
  EXPECT_THROW(chunker.chunk("bad \xff byte."), Error);
  EXPECT_TRUE(chunker.chunk("").empty());
  EXPECT_EQ(make_chunker({"sentence", 0, 0, false})->describe(), "sentence size=256 overlap=51 unit=words");
}

}  // namespace
}  // namespace chunkwise::text
