// LangChain's RecursiveCharacterTextSplitter with its defaults: split on the first separator of
// ["\n\n", "\n", " ", ""] that the text contains (the separator stays at the start of the piece after it),
// split pieces that are still too long with the separators after it, then merge adjacent pieces into chunks
// of at most `size` code points that repeat up to `overlap` code points of the previous chunk. Chunks are
// trimmed of Unicode White_Space at both ends. Differences from LangChain: lengths count code points
// (LangChain: UTF-16 units in JS, code points in Python), and "" splits between code points, never inside
// one.
#pragma once

#include "text/chunk/chunker.h"

namespace chunkwise::text {

class RecursiveChunker : public Chunker {
 public:
  RecursiveChunker(size_t size, size_t overlap);  // sizes in code points, overlap < size
  std::string describe() const override;

 protected:
  std::vector<Span> split(std::string_view text, const TextMasks& masks,
                          const DocumentStructure& structure) const override;

 private:
  struct Piece {
    size_t begin;
    size_t end;
    size_t length;  // code points
  };

  void split_recursive(std::string_view text, const TextMasks& masks, Span range, size_t first_separator,
                       std::vector<Span>& out) const;
  void merge(const TextMasks& masks, const std::vector<Piece>& pieces, std::vector<Span>& out) const;

  size_t size_;
  size_t overlap_;
};

}  // namespace chunkwise::text
