// Chunkers: the token and recursive chunkers' boundaries (LangChain's RecursiveCharacterTextSplitter cases),
// and the invariants every chunk keeps: its text is exactly its source slice, it is valid UTF-8, sizes hold.
#include "text/chunk/chunker.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "common/error.h"
#include "text/chunk/recursive_chunker.h"
#include "text/chunk/token_chunker.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {
namespace {

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

// Every chunk's text is its source slice, valid UTF-8, non-empty, counted, and chunks start in order.
void expect_well_formed(std::string_view source, const std::vector<Chunk>& chunks) {
  size_t previous_begin = 0;
  for (const Chunk& chunk : chunks) {
    ASSERT_LE(chunk.begin, chunk.end);
    ASSERT_LE(chunk.end, source.size());
    EXPECT_EQ(chunk.text, source.substr(chunk.begin, chunk.end - chunk.begin));
    EXPECT_FALSE(chunk.text.empty());
    EXPECT_TRUE(is_valid_utf8(chunk.text));
    EXPECT_EQ(chunk.token_count, count_words(chunk.text));
    EXPECT_GE(chunk.begin, previous_begin);
    previous_begin = chunk.begin;
  }
}

std::vector<std::string> texts(const std::vector<Chunk>& chunks) {
  std::vector<std::string> out;
  for (const Chunk& chunk : chunks) out.push_back(chunk.text);
  return out;
}

std::vector<Chunk> run(const Chunker& chunker, std::string_view source) {
  std::vector<Chunk> chunks = chunker.chunk(source);
  expect_well_formed(source, chunks);
  return chunks;
}

TEST(TokenChunker, WindowsWithOverlap) {
  const std::string source = "  a b\tc\nd e  f g ";
  EXPECT_THAT(texts(run(TokenChunker(3, 1), source)), ::testing::ElementsAre("a b\tc", "c\nd e", "e  f g"));
  EXPECT_THAT(texts(run(TokenChunker(3, 0), source)), ::testing::ElementsAre("a b\tc", "d e  f", "g"));
  EXPECT_THAT(texts(run(TokenChunker(10, 2), source)), ::testing::ElementsAre("a b\tc\nd e  f g"));
  const auto chunks = run(TokenChunker(3, 2), source);
  ASSERT_EQ(chunks.size(), 5u);
  for (const Chunk& chunk : chunks) EXPECT_EQ(chunk.token_count, 3u);
}

TEST(TokenChunker, UnicodeWhitespaceSeparatesWords) {
  const std::string source = "één\u00A0twee\u3000drie 🎉";  // no-break space, ideographic space
  EXPECT_THAT(texts(run(TokenChunker(2, 0), source)), ::testing::ElementsAre("één\u00A0twee", "drie 🎉"));
}

TEST(Chunkers, EmptyAndBlankInputGiveNoChunks) {
  for (const char* source : {"", " ", "\n\n\t \n"}) {
    EXPECT_TRUE(TokenChunker(4, 1).chunk(source).empty()) << source;
    EXPECT_TRUE(RecursiveChunker(4, 1).chunk(source).empty()) << source;
  }
}

TEST(Chunkers, InvalidUtf8IsAnError) {
  try {
    RecursiveChunker(10, 0).chunk("ok \xFF bad");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

TEST(Chunkers, MakeChunkerChecksItsSettings) {
  EXPECT_THAT(make_chunker({"recursive", 0, 0, false})->describe(),
              "recursive size=1000 overlap=200 unit=chars");
  EXPECT_THAT(make_chunker({"token", 100, 0, true})->describe(), "token size=100 overlap=0 unit=words");
  for (const ChunkerConfig& bad : {ChunkerConfig{"nope", 10, 0, false}, ChunkerConfig{"token", 10, 10, true},
                                   ChunkerConfig{"recursive", 4, 9, true}}) {
    try {
      make_chunker(bad);
      ADD_FAILURE() << "no error for " << bad.name;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    }
  }
}

// LangChain's own test ("Test iterative text splitter", chunkSize 10, chunkOverlap 1).
TEST(RecursiveChunker, MatchesLangChainIterativeSplit) {
  const std::string source =
      "Hi.\n\nI'm Harrison.\n\nHow? Are? You?\nOkay then f f f f.\n"
      "This is a weird text to write, but gotta test the splittingggg some how.\n\n\nBye!\n\n-H.";
  EXPECT_THAT(texts(run(RecursiveChunker(10, 1), source)),
              ::testing::ElementsAre("Hi.", "I'm", "Harrison.", "How? Are?", "You?", "Okay then", "f f f f.",
                                     "This is a", "weird", "text to", "write,", "but gotta", "test the",
                                     "splitting", "gggg", "some how.", "Bye!", "-H."));
}

TEST(RecursiveChunker, MatchesLangChainLineDocuments) {
  const std::string a(69, 'A'), b(69, 'B');
  EXPECT_THAT(texts(run(RecursiveChunker(100, 0), a + "\n" + b + "\n")), ::testing::ElementsAre(a, b));
  EXPECT_THAT(texts(run(RecursiveChunker(100, 0), "\n\n" + a + "\n\n\n\n\n" + b + "\n")),
              ::testing::ElementsAre(a, b));
}

TEST(RecursiveChunker, OverlapRepeatsTheEndOfThePreviousChunk) {
  EXPECT_THAT(texts(run(RecursiveChunker(8, 4), "aa bb cc dd ee ff")),
              ::testing::ElementsAre("aa bb cc", "cc dd", "dd ee", "ee ff"));
  // The separator stays with the piece after it and counts towards its length (LangChain's keepSeparator).
  EXPECT_THAT(texts(run(RecursiveChunker(7, 3), "foo bar baz 123")),
              ::testing::ElementsAre("foo bar", "baz", "123"));
}

TEST(RecursiveChunker, HugeSingleWordSplitsBetweenCodePoints) {
  const std::string ascii(10000, 'x');
  const auto chunks = run(RecursiveChunker(100, 10), ascii);
  ASSERT_EQ(chunks.size(), 111u);  // starts 0, 90, ..., 9900
  for (size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(chunks[i].begin, 90 * i);
  EXPECT_EQ(chunks.back().end, ascii.size());

  std::string emoji;
  for (int i = 0; i < 1000; ++i) emoji += i % 2 ? "🎉" : "é";
  const auto wide = run(RecursiveChunker(64, 16), emoji);
  ASSERT_GT(wide.size(), 1u);
  for (const Chunk& chunk : wide) EXPECT_LE(code_points(chunk.text), 64u);
  EXPECT_EQ(code_points(wide.front().text), 64u);
  EXPECT_EQ(wide.back().end, emoji.size());

  const auto token = run(TokenChunker(5, 1), "start " + emoji + " end");
  ASSERT_EQ(token.size(), 1u);
  EXPECT_EQ(token[0].token_count, 3u);
}

TEST(RecursiveChunker, SizesCountCodePointsNotBytes) {
  const std::string source = "ééééé ééééé";  // 11 code points, 21 bytes
  EXPECT_THAT(texts(run(RecursiveChunker(11, 0), source)), ::testing::ElementsAre(source));
  EXPECT_THAT(texts(run(RecursiveChunker(10, 0), source)), ::testing::ElementsAre("ééééé", "ééééé"));
}

// Random documents: every chunk is a well-formed slice of at most `size` code points, and together the chunks
// cover every non-whitespace code point of the source.
TEST(RecursiveChunker, RandomDocumentsKeepTheInvariants) {
  const std::vector<std::string> atoms = {
      "word", "a", "longerword", " ", " ", "\n",     "\n\n",
      "\t",   "é", "中文",       "🎉", ".", "\u00A0", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
  std::mt19937 rng(5);
  for (int round = 0; round < 200; ++round) {
    std::string source;
    const size_t atoms_in_doc = rng() % 300;
    for (size_t i = 0; i < atoms_in_doc; ++i) source += atoms[rng() % atoms.size()];
    const size_t size = 2 + rng() % 60;
    const size_t overlap = rng() % size;
    const auto chunks = run(RecursiveChunker(size, overlap), source);
    std::vector<bool> covered(source.size() + 1, false);
    for (const Chunk& chunk : chunks) {
      EXPECT_LE(code_points(chunk.text), size);
      for (size_t i = chunk.begin; i < chunk.end; ++i) covered[i] = true;
    }
    for (size_t pos = 0; pos < source.size();) {
      const size_t at = pos;
      if (!is_whitespace(next_code_point(source, pos))) {
        ASSERT_TRUE(covered[at]) << "round " << round << " byte " << at << " size " << size;
      }
    }
    const auto token_chunks = run(TokenChunker(size, overlap), source);
    for (const Chunk& chunk : token_chunks) EXPECT_LE(chunk.token_count, size);
  }
}

// LangChain's RecursiveCharacterTextSplitter written as plainly as its JavaScript (strings, split, join,
// trim), to check the chunker's scanning shortcuts (SIMD separator search and code point counts, the ASCII
// fast path) against: lengths in code points, separators kept at the start of the piece after them.
class LangChainReference {
 public:
  LangChainReference(size_t size, size_t overlap) : size_(size), overlap_(overlap) {}

  std::vector<std::string> split(const std::string& text) const { return split_text(text, 0); }

 private:
  static constexpr const char* kSeparators[] = {"\n\n", "\n", " ", ""};

  std::vector<std::string> split_text(const std::string& text, size_t first) const {
    size_t chosen = 3;
    for (size_t i = first; i < 4; ++i)
      if (std::string(kSeparators[i]).empty() || text.find(kSeparators[i]) != std::string::npos) {
        chosen = i;
        break;
      }
    const std::string separator = kSeparators[chosen];
    std::vector<std::string> splits;  // text.split(/(?=separator)/), empty strings dropped
    if (separator.empty()) {
      for (size_t i = 0; i < text.size();) {
        size_t n = 1;
        while (i + n < text.size() && (static_cast<unsigned char>(text[i + n]) & 0xC0) == 0x80) ++n;
        splits.push_back(text.substr(i, n));
        i += n;
      }
    } else {
      size_t start = 0;
      for (size_t at = text.find(separator, 1); at != std::string::npos; at = text.find(separator, at + 1)) {
        splits.push_back(text.substr(start, at - start));
        start = at;
      }
      splits.push_back(text.substr(start));
    }
    std::vector<std::string> out, good;
    for (const std::string& piece : splits) {
      if (code_points(piece) < size_) {
        good.push_back(piece);
        continue;
      }
      if (!good.empty()) {
        for (std::string& chunk : merge(good)) out.push_back(std::move(chunk));
        good.clear();
      }
      if (separator.empty() || chosen == 3) {
        out.push_back(piece);
      } else {
        for (std::string& chunk : split_text(piece, chosen + 1)) out.push_back(std::move(chunk));
      }
    }
    if (!good.empty())
      for (std::string& chunk : merge(good)) out.push_back(std::move(chunk));
    return out;
  }

  std::vector<std::string> merge(const std::vector<std::string>& splits) const {
    std::vector<std::string> docs;
    std::vector<std::string> current;
    size_t total = 0;
    auto join = [&] {
      std::string doc;
      for (const std::string& s : current) doc += s;
      const Span trimmed = trim_white_space(doc, {0, doc.size()});
      if (trimmed.begin < trimmed.end) docs.push_back(doc.substr(trimmed.begin, trimmed.end - trimmed.begin));
    };
    for (const std::string& d : splits) {
      const size_t length = code_points(d);
      if (total + length > size_ && !current.empty()) {
        join();
        while (total > overlap_ || (total + length > size_ && total > 0)) {
          total -= code_points(current.front());
          current.erase(current.begin());
        }
      }
      current.push_back(d);
      total += length;
    }
    if (!current.empty()) join();
    return docs;
  }

  size_t size_, overlap_;
};

TEST(RecursiveChunker, MatchesAPlainLangChainReferenceOnRandomDocuments) {
  const std::vector<std::string> atoms = {"word",
                                          "a",
                                          "longerword",
                                          " ",
                                          "  ",
                                          "\n",
                                          "\n\n",
                                          "\t",
                                          "é",
                                          "中文",
                                          "🎉",
                                          ".",
                                          "\u00A0",
                                          "\u2014",
                                          "\u3000",
                                          "\r\n",
                                          std::string(40, 'x'),
                                          "The quick brown fox jumps over the lazy dog. "};
  std::mt19937 rng(11);
  for (int round = 0; round < 400; ++round) {
    std::string source;
    const bool ascii = round % 2 == 0;
    const size_t atoms_in_doc = rng() % 600;
    for (size_t i = 0; i < atoms_in_doc; ++i) {
      const std::string& atom = atoms[rng() % atoms.size()];
      if (ascii && !is_ascii(atom)) continue;
      source += atom;
    }
    const size_t size = 2 + rng() % 300;
    const size_t overlap = rng() % size;
    const std::vector<std::string> want = LangChainReference(size, overlap).split(source);
    ASSERT_EQ(texts(run(RecursiveChunker(size, overlap), source)), want)
        << "round " << round << " size " << size << " overlap " << overlap;
  }
}

}  // namespace
}  // namespace chunkwise::text
