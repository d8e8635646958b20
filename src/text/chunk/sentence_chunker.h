// Sentences packed into chunks. Sentences come from ICU's sentence break iterator (Unicode UAX #29; asked for
// ICU's English abbreviation suppressions, which not every ICU build has) run directly over the UTF-8 text,
// plus abbreviation handling of our own: a break is dropped after an initial before an upper-case letter
// ("J. R. R. Tolkien"), after a title before an upper-case letter ("Dr. Smith"), after a reference
// abbreviation before a digit ("Fig. 3", "No. 7"), and before any lower-case letter ("e.g. curl", "the U.S.
// army"); a blank line always ends a sentence.
//
// Chunks take whole sentences, up to `size` words (whitespace-separated), and start with the last sentences
// of the previous chunk that hold at most `overlap` words. A sentence longer than `size` words is cut at
// words into pieces of `size` (those pieces never overlap). Chunks never begin or end with whitespace.
#pragma once

#include "text/chunk/chunker.h"

namespace chunkwise::text {

class SentenceChunker : public Chunker {
 public:
  SentenceChunker(size_t size, size_t overlap);  // overlap < size
  std::string describe() const override;

 protected:
  std::vector<Span> split(std::string_view text, const TextMasks& masks,
                          const DocumentStructure& structure) const override;

 private:
  size_t size_;
  size_t overlap_;
};

// The sentences of `text` (valid UTF-8), in order, without surrounding whitespace; never empty.
std::vector<Span> split_sentences(std::string_view text);

// What the sentence-based chunkers pack: whole sentences, and pieces of `max_words` words of the sentences
// longer than that.
struct SentenceUnit {
  Span span;
  size_t words = 0;
  bool piece = false;  // part of a long sentence
};
// `masks` are those of `text` (the document's, as Chunker::split gets them): sentence word counts come from
// them. The form with `within` takes the sentences of that part of `text` only (spans still relative to
// `text`); the two-argument form makes the masks.
std::vector<SentenceUnit> sentence_units(std::string_view text, const TextMasks& masks, size_t max_words);
std::vector<SentenceUnit> sentence_units(std::string_view text, const TextMasks& masks, Span within,
                                         size_t max_words);
std::vector<SentenceUnit> sentence_units(std::string_view text, size_t max_words);

// Units packed in order into chunks of at most `size` words (a unit is never longer), each chunk after the
// first starting with the trailing whole sentences of the one before that hold at most `overlap` words.
std::vector<Span> pack_sentence_units(const std::vector<SentenceUnit>& units, size_t size, size_t overlap);

}  // namespace chunkwise::text
