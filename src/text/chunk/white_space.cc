#include "text/chunk/white_space.h"

#include "text/chunk/chunker.h"
#include "text/chunk/cpu_features.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

namespace chunkwise::text {

namespace {

// Counts words from text[pos] on, given whether the byte before pos was a word byte: 16 bytes at a time
// while none of them needs decoding (words start where a word byte follows a space), else one code point.
size_t count_words_from(std::string_view text, size_t pos, bool in_word) {
  size_t words = 0;
  while (pos < text.size()) {
    if (unsigned word; white_space_detail::word_block(text, pos, word)) {
      const unsigned previous_word = ((word << 1) | unsigned(in_word)) & 0xFFFFu;
      words += white_space_detail::popcount16(word & ~previous_word);
      in_word = (word >> 15) & 1u;
      pos += 16;
      continue;
    }
    const bool space = white_space_step(text, pos);
    words += !space && !in_word;
    in_word = !space;
  }
  return words;
}

#if defined(__x86_64__)
// The same count 32 bytes a step with AVX2 masks and POPCNT, on CPUs that have them; a block with a byte to
// decode is handed, with the rest of the text, to the 16-byte loop only up to the end of that block.
__attribute__((target("avx2,popcnt"))) size_t count_words_avx2(std::string_view text) {
  size_t words = 0, pos = 0;
  bool in_word = false;
  const __m256i nine = _mm256_set1_epi8(0x09), four = _mm256_set1_epi8(4), blank = _mm256_set1_epi8(' ');
  const __m256i c2 = _mm256_set1_epi8(char(0xC2)), e1 = _mm256_set1_epi8(char(0xE1)),
                two = _mm256_set1_epi8(2);
  while (pos + 32 <= text.size()) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + pos));
    const __m256i shifted = _mm256_sub_epi8(v, nine);  // \t..\r become 0..4
    const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(shifted, four), shifted);
    const __m256i space = _mm256_or_si256(control, _mm256_cmpeq_epi8(v, blank));
    const __m256i from_e1 = _mm256_sub_epi8(v, e1);  // 0xE1..0xE3 become 0..2
    const __m256i leads =
        _mm256_or_si256(_mm256_cmpeq_epi8(v, c2), _mm256_cmpeq_epi8(_mm256_min_epu8(from_e1, two), from_e1));
    if (!_mm256_testz_si256(leads, leads)) {
      // Decode this block a code point at a time (the last one may run past it), then go on with blocks.
      const size_t block_end = pos + 32;
      while (pos < block_end) {
        const bool is_space = white_space_step(text, pos);
        words += !is_space && !in_word;
        in_word = !is_space;
      }
      continue;
    }
    const auto word = ~uint32_t(_mm256_movemask_epi8(space));
    const uint32_t previous_word = (word << 1) | uint32_t(in_word);
    words += size_t(_mm_popcnt_u32(word & ~previous_word));
    in_word = word >> 31;
    pos += 32;
  }
  return words + count_words_from(text, pos, in_word);
}
#endif

}  // namespace

size_t count_words(std::string_view text) {
#if defined(__x86_64__)
  if (use_avx2_popcnt()) return count_words_avx2(text);
#endif
  return count_words_from(text, 0, false);
}

}  // namespace chunkwise::text
