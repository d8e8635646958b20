#include "text/chunk/white_space.h"

#include "text/chunk/chunker.h"

namespace chunkwise::text {

size_t count_words(std::string_view text) {
  size_t words = 0, pos = 0;
  bool in_word = false;
  while (pos < text.size()) {
    // 16 bytes at a time while none of them needs decoding: words start where a word byte follows a space.
    if (unsigned word; white_space_detail::word_block(text, pos, word)) {
      const unsigned previous_word = ((word << 1) | unsigned(in_word)) & 0xFFFFu;
      words += white_space_detail::popcount16(word & ~previous_word);
      in_word = (word >> 15) & 1u;
      pos += 16;
      continue;
    }
    // One code point (or word byte); then back to blocks.
    const bool space = white_space_step(text, pos);
    words += !space && !in_word;
    in_word = !space;
  }
  return words;
}

}  // namespace chunkwise::text
