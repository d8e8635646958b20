#include "text/chunk/token_chunker.h"

#include <fmt/format.h>

#include "common/error.h"
#include "text/chunk/white_space.h"

namespace chunkwise::text {

TokenChunker::TokenChunker(size_t size, size_t overlap) : size_(size), overlap_(overlap) {
  if (size == 0 || overlap >= size)
    fail(ErrorKind::invalid_input, "token chunker: bad size {} / overlap {}", size, overlap);
}

std::string TokenChunker::describe() const {
  return fmt::format("token size={} overlap={} unit=words", size_, overlap_);
}

std::vector<Span> TokenChunker::split(std::string_view text, const TextMasks&,
                                      const DocumentStructure&) const {
  const std::vector<Span> words = split_words(text);
  std::vector<Span> spans;
  for (size_t first = 0; first < words.size(); first += size_ - overlap_) {
    const size_t last = std::min(first + size_, words.size()) - 1;
    spans.push_back({words[first].begin, words[last].end});
    if (last + 1 == words.size()) break;
  }
  return spans;
}

std::vector<Span> split_words(std::string_view text) {
  std::vector<Span> words;
  for_each_word(text, [&](Span word) { words.push_back(word); });
  return words;
}

}  // namespace chunkwise::text
