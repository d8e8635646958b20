// Windows of `size` whitespace-separated words, each starting `size - overlap` words after the previous one.
// A chunk runs from its first word's first byte to its last word's last byte.
#pragma once

#include "text/chunk/chunker.h"

namespace chunkwise::text {

class TokenChunker : public Chunker {
 public:
  TokenChunker(size_t size, size_t overlap);  // overlap < size
  std::string describe() const override;

 protected:
  std::vector<Span> split(std::string_view text, const TextMasks& masks,
                          const DocumentStructure& structure) const override;

 private:
  size_t size_;
  size_t overlap_;
};

// The words of `text`: maximal runs of code points that are not Unicode White_Space.
std::vector<Span> split_words(std::string_view text);

}  // namespace chunkwise::text
