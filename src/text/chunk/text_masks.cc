#include "text/chunk/text_masks.h"

#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include <algorithm>

#include "common/error.h"
#include "text/chunk/cpu_features.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

uint64_t bit(size_t pos) {
  return uint64_t{1} << (pos % 64);
}

// The bits of word `word` that fall in bytes [begin, end).
uint64_t range_bits(size_t word, size_t begin, size_t end) {
  const size_t first = word * 64;
  uint64_t bits = ~uint64_t{0};
  if (begin > first) bits = begin - first >= 64 ? 0 : bits << (begin - first);
  if (end < first + 64) bits &= end <= first ? 0 : (uint64_t{1} << (end - first)) - 1;
  return bits;
}

// Set bits (baseline x86-64 has no POPCNT instruction; __builtin_popcountll would call libgcc).
template <bool Popcnt>
size_t bit_count(uint64_t x) {
  if constexpr (Popcnt) {
    return size_t(__builtin_popcountll(x));
  } else {
    x = x - ((x >> 1) & 0x5555555555555555u);
    x = (x & 0x3333333333333333u) + ((x >> 2) & 0x3333333333333333u);
    x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Fu;
    return size_t((x * 0x0101010101010101u) >> 56);
  }
}

// Bytes of word `word` that are not White_Space right after one that is (a word starts there).
uint64_t word_starts(const uint64_t* space, size_t word) {
  const uint64_t before = word == 0 ? 0 : space[word - 1] >> 63;
  return ~space[word] & ((space[word] << 1) | before);
}

// Appends the positions of the set bits of `bits` (word `word`) to hits[n...] and moves n on, with no branch
// that depends on where they are (about every other word of a Markdown file holds a "\n\n", a branch on it
// would be mispredicted half the time): the first two are written unconditionally (past the count too, into
// slack that the next word overwrites); only a word with more loops. `hits` must have 66 elements of room
// past n.
template <bool Popcnt>
inline void append_bits(uint64_t bits, size_t word, std::vector<size_t>& hits, size_t& n) {
  const size_t count = bit_count<Popcnt>(bits), base = word * 64;
  size_t* out = hits.data() + n;
  out[0] = base + size_t(__builtin_ctzll(bits | (uint64_t{1} << 63)));  // a zero word gives a 63
  bits &= bits - 1;
  out[1] = base + size_t(__builtin_ctzll(bits | (uint64_t{1} << 63)));
  bits &= bits - 1;
  for (out += 2; bits != 0; bits &= bits - 1) *out++ = base + size_t(__builtin_ctzll(bits));
  n += count;
}

// Makes room for append_bits.
inline void reserve_bits(std::vector<size_t>& hits, size_t n) {
  if (hits.size() - n < 66) hits.resize(2 * hits.size() + 128);
}

// Whether `mask` has a bit in bytes [begin, end).
bool any_bit(const uint64_t* mask, size_t begin, size_t end) {
  if (end <= begin) return false;
  for (size_t word = begin / 64; word <= (end - 1) / 64; ++word)
    if ((mask[word] & range_bits(word, begin, end)) != 0) return true;
  return false;
}

// Appends the set bits of `mask` in bytes [begin, end) to `hits`, in order.
template <bool Popcnt>
void find_bits(const uint64_t* mask, size_t begin, size_t end, std::vector<size_t>& hits) {
  if (end <= begin) return;
  const size_t first = begin / 64, last = (end - 1) / 64;
  size_t n = hits.size();
  for (size_t word = first; word <= last; ++word) {
    reserve_bits(hits, n);
    uint64_t bits = mask[word];
    if (word == first || word == last) bits &= range_bits(word, begin, end);
    append_bits<Popcnt>(bits, word, hits, n);
  }
  hits.resize(n);
}

// prefix[i]: set bits of bits(0) ... bits(i - 1), for i in [0, words].
template <bool Popcnt, typename Bits>
void prefix_counts(size_t words, size_t* prefix, Bits&& bits) {
  size_t n = 0;
  for (size_t word = 0; word < words; ++word) {
    prefix[word] = n;
    n += bit_count<Popcnt>(bits(word));
  }
  prefix[words] = n;
}

// The prefix counts of the continuation bytes and of the word starts.
template <bool Popcnt>
void count_continuations(const uint64_t* continuation, size_t words, size_t* prefix) {
  prefix_counts<Popcnt>(words, prefix, [&](size_t word) { return continuation[word]; });
}
template <bool Popcnt>
void count_word_starts(const uint64_t* space, size_t words, size_t* prefix) {
  prefix_counts<Popcnt>(words, prefix, [&](size_t word) { return word_starts(space, word); });
}

#if defined(__x86_64__)
__attribute__((target("popcnt"))) void find_bits_popcnt(const uint64_t* mask, size_t begin, size_t end,
                                                        std::vector<size_t>& hits) {
  find_bits<true>(mask, begin, end, hits);
}

__attribute__((target("popcnt"))) void count_continuations_popcnt(const uint64_t* continuation, size_t words,
                                                                  size_t* prefix) {
  count_continuations<true>(continuation, words, prefix);
}
__attribute__((target("popcnt"))) void count_word_starts_popcnt(const uint64_t* space, size_t words,
                                                                size_t* prefix) {
  count_word_starts<true>(space, words, prefix);
}

// The ASCII classes of 32 bytes as bit masks; `high` gets the bytes above 0x7F.
__attribute__((target("avx2"))) inline void classify32(const char* p, uint32_t& newline, uint32_t& blank,
                                                       uint32_t& space, uint32_t& high) {
  const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  const __m256i shifted = _mm256_sub_epi8(v, _mm256_set1_epi8(0x09));  // \t..\r become 0..4
  const __m256i control = _mm256_cmpeq_epi8(_mm256_min_epu8(shifted, _mm256_set1_epi8(4)), shifted);
  const __m256i is_blank = _mm256_cmpeq_epi8(v, _mm256_set1_epi8(' '));
  newline = uint32_t(_mm256_movemask_epi8(_mm256_cmpeq_epi8(v, _mm256_set1_epi8('\n'))));
  blank = uint32_t(_mm256_movemask_epi8(is_blank));
  space = uint32_t(_mm256_movemask_epi8(_mm256_or_si256(control, is_blank)));
  high = uint32_t(_mm256_movemask_epi8(v));
}

// The masks of the first `words` 64-byte words of `text`, in two 32-byte halves; `high` gets every byte above
// 0x7F, `high_words` the words that have one, blank_lines[count...] the starts of "\n\n" in all words but the
// last (which needs the next word's newlines). Listing them here, while the loop waits on memory, costs less
// than a pass over the newlines afterwards.
__attribute__((target("avx2,popcnt"))) void classify_avx2(const char* text, size_t words, uint64_t* newline,
                                                          uint64_t* blank, uint64_t* space, uint64_t* high,
                                                          std::vector<size_t>& high_words,
                                                          std::vector<size_t>& blank_lines, size_t& count) {
  for (size_t word = 0; word < words; ++word, text += 64) {
    uint32_t n[2], b[2], s[2], h[2];
    classify32(text, n[0], b[0], s[0], h[0]);
    classify32(text + 32, n[1], b[1], s[1], h[1]);
    newline[word] = n[0] | uint64_t(n[1]) << 32;
    blank[word] = b[0] | uint64_t(b[1]) << 32;
    space[word] = s[0] | uint64_t(s[1]) << 32;
    high[word] = h[0] | uint64_t(h[1]) << 32;
    if (high[word] != 0) high_words.push_back(word);
    if (word > 0) {
      reserve_bits(blank_lines, count);
      const uint64_t previous = newline[word - 1];
      append_bits<true>(previous & ((previous >> 1) | (newline[word] << 63)), word - 1, blank_lines, count);
    }
  }
}
#endif

}  // namespace

TextMasks::TextMasks(std::string_view text)
    : size_(text.size()),
      words_((text.size() + 63) / 64),
      bits_(new uint64_t[4 * words_]),  // not zeroed: every word is written below
      newline_(bits_.get()),
      blank_(newline_ + words_),
      space_(blank_ + words_),
      continuation_(space_ + words_) {
  std::vector<size_t> high_words;  // the words with a byte above 0x7F
  size_t word = 0;
  size_t listed = 0, blank_line_count = 0;  // blank_lines_ holds the "\n\n" of words [0, listed)
#if defined(__x86_64__)
  if (use_avx2_popcnt()) {
    word = text.size() / 64;
    classify_avx2(text.data(), word, newline_, blank_, space_, continuation_, high_words, blank_lines_,
                  blank_line_count);
    listed = word > 0 ? word - 1 : 0;
  }
#endif
  for (; word < words_; ++word) {
    newline_[word] = blank_[word] = space_[word] = continuation_[word] = 0;
    for (size_t pos = word * 64; pos < word * 64 + 64; ++pos) {
      if (pos >= text.size()) {
        space_[word] |= bit(pos);
        continue;
      }
      const auto c = static_cast<unsigned char>(text[pos]);
      if (c == '\n') newline_[word] |= bit(pos);
      if (c == ' ') blank_[word] |= bit(pos);
      if (c == ' ' || (c >= 0x09 && c <= 0x0D)) space_[word] |= bit(pos);
      if (c >= 0x80) continuation_[word] |= bit(pos);
    }
    if (continuation_[word] != 0) high_words.push_back(word);
  }
  for (; listed < words_; ++listed) {
    reserve_bits(blank_lines_, blank_line_count);
    const uint64_t next = listed + 1 < words_ ? newline_[listed + 1] : 0;
    append_bits<false>(newline_[listed] & ((newline_[listed] >> 1) | (next << 63)), listed, blank_lines_,
                       blank_line_count);
  }
  blank_lines_.resize(blank_line_count);
  if (!high_words.empty()) classify_multibyte(text, high_words);
  word_starts_before_.resize(words_ + 1);
#if defined(__x86_64__)
  if (use_avx2_popcnt()) {
    count_word_starts_popcnt(space_, words_, word_starts_before_.data());
    return;
  }
#endif
  count_word_starts<false>(space_, words_, word_starts_before_.data());
}

// Reads every multi-byte sequence (`continuation_` holds all bytes above 0x7F so far, `high_words` the words
// that have one) in text order: checks it is valid UTF-8, clears its lead byte from `continuation_`, and
// marks all its bytes as White_Space when it decodes to a White_Space code point. A sequence may end in the
// next word.
void TextMasks::classify_multibyte(std::string_view text, const std::vector<size_t>& high_words) {
  ascii_ = false;
  size_t resume = 0;  // the end of the last sequence read
  for (const size_t word : high_words) {
    uint64_t leads = continuation_[word] & range_bits(word, resume, size_);
    while (leads != 0) {
      const size_t at = word * 64 + size_t(__builtin_ctzll(leads));
      const size_t length = valid_utf8_sequence_length(text, at);
      if (length == 0) fail(ErrorKind::invalid_input, "chunker input is not valid UTF-8 (at byte {})", at);
      continuation_[word] &= ~bit(at);
      size_t pos = at;
      if (is_whitespace(next_code_point(text, pos)))
        for (size_t i = at; i < at + length; ++i) space_[i / 64] |= bit(i);
      resume = at + length;
      leads &= range_bits(word, resume, size_);
    }
  }
  continuations_before_.resize(words_ + 1);
#if defined(__x86_64__)
  if (use_avx2_popcnt())
    return count_continuations_popcnt(continuation_, words_, continuations_before_.data());
#endif
  count_continuations<false>(continuation_, words_, continuations_before_.data());
}

size_t TextMasks::continuations_before(size_t pos) const {
  const uint64_t below = bit(pos) - 1;  // the bytes of pos's word before it
  return continuations_before_[pos / 64] +
         (below == 0 ? 0 : bit_count<false>(continuation_[pos / 64] & below));
}

size_t TextMasks::word_starts_before(size_t pos) const {
  const uint64_t below = bit(pos) - 1;
  return word_starts_before_[pos / 64] +
         (below == 0 ? 0 : bit_count<false>(word_starts(space_, pos / 64) & below));
}

// A word starts at span.begin if that byte is not White_Space, and at every later byte that is not
// White_Space right after one that is (continuation bytes share the class of their lead byte).
size_t TextMasks::words(Span span) const {
  if (span.end <= span.begin) return 0;
  return ((space_[span.begin / 64] & bit(span.begin)) == 0) + word_starts_before(span.end) -
         word_starts_before(span.begin + 1);
}

Span TextMasks::trim(Span span) const {
  size_t begin = span.begin, end = span.end;
  while (begin < end) {  // the first byte that is not White_Space
    const size_t word = begin / 64;
    const uint64_t text = ~space_[word] & range_bits(word, begin, end);
    if (text != 0) {
      begin = word * 64 + size_t(__builtin_ctzll(text));
      break;
    }
    begin = (word + 1) * 64;
  }
  if (begin >= end) return {span.begin, span.begin};
  while (end > begin) {  // one past the last byte that is not White_Space (the last byte of its code point)
    const size_t word = (end - 1) / 64;
    const uint64_t text = ~space_[word] & range_bits(word, begin, end);
    if (text != 0) {
      end = word * 64 + 64 - size_t(__builtin_clzll(text));
      break;
    }
    end = word * 64;
  }
  return {begin, end};
}

bool TextMasks::contains(Separator separator, Span span) const {
  if (separator != Separator::blank_line)
    return any_bit(separator == Separator::newline ? newline_ : blank_, span.begin, span.end);
  if (span.end < span.begin + 2) return false;
  const auto at = std::lower_bound(blank_lines_.begin(), blank_lines_.end(), span.begin);
  return at != blank_lines_.end() && *at < span.end - 1;
}

void TextMasks::find(Separator separator, Span span, std::vector<size_t>& hits) const {
  if (span.end <= span.begin + 1) return;
  const size_t begin = span.begin + 1, end = span.end;
  if (separator == Separator::blank_line) {  // listed: the starts in [begin, end - 1)
    const auto from = std::lower_bound(blank_lines_.begin(), blank_lines_.end(), begin);
    hits.insert(hits.end(), from, std::lower_bound(from, blank_lines_.end(), end - 1));
    return;
  }
  const uint64_t* mask = separator == Separator::newline ? newline_ : blank_;
#if defined(__x86_64__)
  if (use_avx2_popcnt()) return find_bits_popcnt(mask, begin, end, hits);
#endif
  find_bits<false>(mask, begin, end, hits);
}

}  // namespace chunkwise::text
