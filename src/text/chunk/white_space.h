// Unicode White_Space over valid UTF-8, one byte at a time where possible: the chunkers count and find words
// in every byte of every document, and decoding each code point to ask is_whitespace() was most of their
// time. A table decides every byte except the lead bytes of the few multi-byte White_Space code points (0xC2:
// U+0085, U+00A0; 0xE1: U+1680; 0xE2: U+2000-200A, U+2028, U+2029, U+202F, U+205F; 0xE3: U+3000), which are
// decoded. Continuation bytes and the bytes of other multi-byte code points count as word bytes.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "text/chunk/chunk.h"
#include "text/tokenizer/unicode_text.h"

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace chunkwise::text {

namespace white_space_detail {

enum : uint8_t { kWord = 0, kSpace = 1, kDecode = 2 };

constexpr std::array<uint8_t, 256> make_table() {
  std::array<uint8_t, 256> table{};
  for (int b = 0x09; b <= 0x0D; ++b) table[size_t(b)] = kSpace;
  table[' '] = kSpace;
  for (int b : {0xC2, 0xE1, 0xE2, 0xE3}) table[size_t(b)] = kDecode;
  return table;
}

inline constexpr std::array<uint8_t, 256> kTable = make_table();

// Set bits of a 16-bit mask (without the POPCNT instruction, which baseline x86-64 lacks: GCC would call
// libgcc for __builtin_popcount).
inline unsigned popcount16(unsigned x) {
  x = x - ((x >> 1) & 0x5555u);
  x = (x & 0x3333u) + ((x >> 2) & 0x3333u);
  x = (x + (x >> 4)) & 0x0F0Fu;
  return (x + (x >> 8)) & 0x1Fu;
}

#if defined(__SSE2__)
// Bit i set where byte i of the 16 at `p` is ASCII White_Space; `decode` gets the bytes that need decoding.
inline unsigned space_mask(const char* p, unsigned& decode) {
  const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  const __m128i shifted = _mm_sub_epi8(v, _mm_set1_epi8(0x09));  // \t..\r become 0..4
  const __m128i control = _mm_cmpeq_epi8(_mm_min_epu8(shifted, _mm_set1_epi8(4)), shifted);
  const __m128i space = _mm_or_si128(control, _mm_cmpeq_epi8(v, _mm_set1_epi8(' ')));
  const __m128i leads = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(char(0xC2))),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8(char(0xE1)))),
                                     _mm_or_si128(_mm_cmpeq_epi8(v, _mm_set1_epi8(char(0xE2))),
                                                  _mm_cmpeq_epi8(v, _mm_set1_epi8(char(0xE3)))));
  decode = unsigned(_mm_movemask_epi8(leads));
  return unsigned(_mm_movemask_epi8(space));
}
#endif

// The 16 bytes at text[pos] as a mask of word bytes (bit i: byte i is not White_Space); false when fewer than
// 16 are left or one of them must be decoded (and without SSE2).
inline bool word_block(std::string_view text, size_t pos, unsigned& word) {
#if defined(__SSE2__)
  if (pos + 16 > text.size()) return false;
  unsigned decode = 0;
  const unsigned space = space_mask(text.data() + pos, decode);
  word = ~space & 0xFFFFu;
  return decode == 0;
#else
  (void)text, (void)pos, (void)word;
  return false;
#endif
}

}  // namespace white_space_detail

// Whether the byte at text[pos] (a code point start, or a continuation byte inside a word) begins
// White_Space; moves pos past it (past the whole code point when it had to be decoded).
inline bool white_space_step(std::string_view text, size_t& pos) {
  const uint8_t kind = white_space_detail::kTable[static_cast<unsigned char>(text[pos])];
  if (kind != white_space_detail::kDecode) {
    ++pos;
    return kind == white_space_detail::kSpace;
  }
  return is_whitespace(next_code_point(text, pos));
}

// Calls `on_word(Span)` with each maximal run of non-White_Space code points, in order; 16 bytes at a time
// where no byte needs decoding. (count_words, declared in chunker.h, counts them the same way.)
template <typename OnWord>
void for_each_word(std::string_view text, OnWord&& on_word) {
  size_t pos = 0, begin = 0;
  bool in_word = false;
  while (pos < text.size()) {
    if (unsigned word; white_space_detail::word_block(text, pos, word)) {
      const unsigned previous_word = ((word << 1) | unsigned(in_word)) & 0xFFFFu;
      unsigned starts = word & ~previous_word;
      unsigned ends = previous_word & ~word;  // bit i: a word ended right before byte i
      while (starts | ends) {                 // the boundaries in order
        const unsigned next_start = starts ? unsigned(__builtin_ctz(starts)) : 32;
        const unsigned next_end = ends ? unsigned(__builtin_ctz(ends)) : 32;
        if (next_end <= next_start) {
          on_word(Span{begin, pos + next_end});
          ends &= ends - 1;
        } else {
          begin = pos + next_start;
          starts &= starts - 1;
        }
      }
      in_word = (word >> 15) & 1u;
      pos += 16;
      continue;
    }
    const size_t at = pos;
    const bool space = white_space_step(text, pos);
    if (!space && !in_word) begin = at;
    if (space && in_word) on_word({begin, at});
    in_word = !space;
  }
  if (in_word) on_word({begin, text.size()});
}

}  // namespace chunkwise::text
