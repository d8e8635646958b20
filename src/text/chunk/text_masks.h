// Bit masks over a document's bytes, made in one pass that also validates the text as UTF-8: which bytes are
// newlines, blanks (' '), Unicode White_Space (every byte of a White_Space code point) and UTF-8 continuation
// bytes. Chunker::chunk makes them once per document; the recursive chunker finds its separators in them and
// every chunk's word count comes from them, so a document is read from memory once instead of once for
// validation, once to test for ASCII, once per separator scan and once per word count.
// Memory: 5 bits per byte of text (6 if it is not ASCII) while a document is chunked.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "text/chunk/chunk.h"

namespace chunkwise::text {

class TextMasks {
 public:
  // Throws Error(invalid_input) when `text` is not valid UTF-8.
  explicit TextMasks(std::string_view text);
  TextMasks(const TextMasks&) = delete;
  TextMasks& operator=(const TextMasks&) = delete;

  enum class Separator {
    blank_line,  // "\n\n"
    newline,     // "\n"
    blank,       // " "
  };

  size_t size() const { return size_; }
  bool ascii() const { return ascii_; }

  // Code points in `span` (which lies on code point boundaries).
  size_t code_points(Span span) const {
    return code_points_before(span.end) - code_points_before(span.begin);
  }
  // Code points before byte `pos` (a code point boundary).
  size_t code_points_before(size_t pos) const { return ascii_ ? pos : pos - continuations_before(pos); }
  // Maximal runs of non-White_Space code points in `span`, as count_words counts them.
  size_t words(Span span) const;
  // `span` without leading and trailing White_Space, as trim_white_space cuts it.
  Span trim(Span span) const;

  // Whether `separator` occurs whole inside `span`, at its begin or later.
  bool contains(Separator separator, Span span) const;
  // Appends to `hits` every pos in (span.begin, span.end) where `separator` occurs whole inside `span`, in
  // order (overlapping occurrences of "\n\n" each count).
  void find(Separator separator, Span span, std::vector<size_t>& hits) const;

 private:
  size_t continuations_before(size_t pos) const;
  size_t word_starts_before(size_t pos) const;
  void classify_multibyte(std::string_view text, const std::vector<size_t>& high_words);

  size_t size_ = 0;
  size_t words_ = 0;  // 64-byte words of the text, the last one partly past its end
  bool ascii_ = true;
  // Four masks in one allocation, one bit per byte: byte i is bit i % 64 of word i / 64. Bytes past the end
  // of the text are White_Space.
  std::unique_ptr<uint64_t[]> bits_;
  uint64_t* newline_;
  uint64_t* blank_;
  uint64_t* space_;
  uint64_t* continuation_;
  // Counts before byte 64 * i, for i in [0, words_]: continuation bytes (empty if ASCII), and bytes that are
  // not White_Space right after one that is.
  std::vector<size_t> continuations_before_;
  std::vector<size_t> word_starts_before_;
  std::vector<size_t> blank_lines_;  // where "\n\n" starts, in order
};

}  // namespace chunkwise::text
