#include "text/chunk/recursive_chunker.h"

#include <fmt/format.h>

#include <array>
#include <cstring>

#if defined(__x86_64__)
#include <immintrin.h>
#elif defined(__SSE2__)
#include <emmintrin.h>
#endif

#include "common/error.h"
#include "text/chunk/white_space.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

constexpr std::array<std::string_view, 4> kSeparators = {"\n\n", "\n", " ", ""};

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

#if defined(__x86_64__)
// The first i >= from with part[i] == a and part[i + 1] == b, 32 positions a step; `from` where fewer than 33
// bytes are left (the caller finishes those).
__attribute__((target("avx2"))) size_t find_pair_avx2(std::string_view part, char a, char b, size_t& from) {
  const __m256i first = _mm256_set1_epi8(a), second = _mm256_set1_epi8(b);
  for (; from + 33 <= part.size(); from += 32) {
    const char* p = part.data() + from;
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1));
    const auto mask = unsigned(
        _mm256_movemask_epi8(_mm256_and_si256(_mm256_cmpeq_epi8(x, first), _mm256_cmpeq_epi8(y, second))));
    if (mask != 0) return from + size_t(__builtin_ctz(mask));
  }
  return std::string_view::npos;
}

bool cpu_has_avx2() {
  static const bool has = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("popcnt");
  return has;
}

// Continuation bytes (10xxxxxx, below 0xC0 as signed bytes) in text[begin, end), 32 a step; `begin` is left
// where fewer than 32 bytes remain.
__attribute__((target("avx2,popcnt"))) size_t count_continuations_avx2(std::string_view text, size_t& begin,
                                                                       size_t end) {
  size_t n = 0;
  const __m256i c0 = _mm256_set1_epi8(char(0xC0));
  for (; begin + 32 <= end; begin += 32) {
    const __m256i v = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(text.data() + begin));
    n += size_t(_mm_popcnt_u32(unsigned(_mm256_movemask_epi8(_mm256_cmpgt_epi8(c0, v)))));
  }
  return n;
}

// Calls piece(begin, end, code_points) for each piece of text[begin, end) that a lookahead split before every
// occurrence of the separator `a` (Pair: `a` `b`) makes; an occurrence at `begin` itself does not split and
// the last piece ends at `end`. One pass, 32 bytes a step: the separator hits and the continuation bytes that
// give the pieces' code point counts (not counted when Ascii) come from the same loads, so a piece costs no
// call and no second scan. Bytes past `end` are never looked at (the last block is copied, zero-padded).
template <bool Ascii, bool Pair, typename OnPiece>
__attribute__((target("avx2,popcnt"))) void for_each_piece_avx2(std::string_view text, size_t begin,
                                                                size_t end, char a, char b, OnPiece&& piece) {
  const __m256i first = _mm256_set1_epi8(a), second = _mm256_set1_epi8(b), c0 = _mm256_set1_epi8(char(0xC0));
  size_t piece_begin = begin, continuations = 0, continuations_at_piece = 0;  // counted from `begin`
  alignas(32) char tail[64];
  for (size_t block = begin; block < end; block += 32) {
    const char* p = text.data() + block;
    const size_t left = end - block;
    if (left < 33) {
      std::memset(tail, 0, sizeof tail);
      std::memcpy(tail, p, left);
      p = tail;
    }
    const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    auto hits = unsigned(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, first)));
    if constexpr (Pair) {
      const __m256i y = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 1));
      hits &= unsigned(_mm256_movemask_epi8(_mm256_cmpeq_epi8(y, second)));
    }
    if (block == begin) hits &= ~1u;
    if (left < 32) hits &= (1u << left) - 1;
    unsigned continuation_bits = 0;
    if constexpr (!Ascii) continuation_bits = unsigned(_mm256_movemask_epi8(_mm256_cmpgt_epi8(c0, x)));
    for (; hits != 0; hits &= hits - 1) {
      const auto offset = unsigned(__builtin_ctz(hits));
      const size_t at = block + offset;
      size_t continuations_at = continuations;
      if constexpr (!Ascii)
        continuations_at += size_t(_mm_popcnt_u32(continuation_bits & ((1u << offset) - 1)));
      piece(piece_begin, at, (at - piece_begin) - (continuations_at - continuations_at_piece));
      piece_begin = at;
      continuations_at_piece = continuations_at;
    }
    if constexpr (!Ascii) continuations += size_t(_mm_popcnt_u32(continuation_bits));
  }
  piece(piece_begin, end, (end - piece_begin) - (continuations - continuations_at_piece));
}
#endif

// Bytes that are not UTF-8 continuation bytes (10xxxxxx): 32 at a time with AVX2, else 16 with SSE2.
size_t count_code_points(std::string_view text, size_t begin, size_t end) {
  size_t n = 0, i = begin;
#if defined(__x86_64__)
  if (cpu_has_avx2()) n = (end - begin) - count_continuations_avx2(text, i, end) - (end - i);
#endif
#if defined(__SSE2__)
  const __m128i top = _mm_set1_epi8(char(0xC0)), continuation = _mm_set1_epi8(char(0x80));
  for (; i + 16 <= end; i += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text.data() + i));
    const auto mask = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(_mm_and_si128(v, top), continuation)));
    n += 16 - size_t(white_space_detail::popcount16(mask));
  }
#endif
  for (; i < end; ++i) n += !is_continuation(text[i]);
  return n;
}

// The next occurrence of `separator` (not empty) in `part` at or after `from`; npos if none. A one-byte
// separator is memchr; a two-byte one ("\n\n") is compared 32 (AVX2) or 16 (SSE2) positions at a time, both
// bytes at once, so that the many single newlines of a Markdown file cost no call each.
size_t find_separator(std::string_view part, std::string_view separator, size_t from) {
  if (separator.size() == 1) {
    if (from >= part.size()) return std::string_view::npos;
    const void* hit = std::memchr(part.data() + from, separator[0], part.size() - from);
    return hit ? size_t(static_cast<const char*>(hit) - part.data()) : std::string_view::npos;
  }
  if (separator.size() != 2) return part.find(separator, from);
#if defined(__x86_64__)
  if (cpu_has_avx2())
    if (const size_t at = find_pair_avx2(part, separator[0], separator[1], from);
        at != std::string_view::npos)
      return at;
#endif
#if defined(__SSE2__)
  const __m128i first = _mm_set1_epi8(separator[0]), second = _mm_set1_epi8(separator[1]);
  for (; from + 17 <= part.size(); from += 16) {
    const char* p = part.data() + from;
    const __m128i a = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
    const __m128i b = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 1));
    const auto mask =
        unsigned(_mm_movemask_epi8(_mm_and_si128(_mm_cmpeq_epi8(a, first), _mm_cmpeq_epi8(b, second))));
    if (mask != 0) return from + size_t(__builtin_ctz(mask));
  }
#endif
  for (; from + 1 < part.size(); ++from)
    if (part[from] == separator[0] && part[from + 1] == separator[1]) return from;
  return std::string_view::npos;
}

}  // namespace

RecursiveChunker::RecursiveChunker(size_t size, size_t overlap) : size_(size), overlap_(overlap) {
  if (size == 0 || overlap >= size)
    fail(ErrorKind::invalid_input, "recursive chunker: bad size {} / overlap {}", size, overlap);
}

std::string RecursiveChunker::describe() const {
  return fmt::format("recursive size={} overlap={} unit=chars", size_, overlap_);
}

std::vector<Span> RecursiveChunker::split(std::string_view text, const DocumentStructure&) const {
  std::vector<Span> out;
  if (!text.empty()) split_recursive(text, is_ascii(text), {0, text.size()}, 0, out);
  return out;
}

void RecursiveChunker::split_recursive(std::string_view text, bool ascii, Span range, size_t first_separator,
                                       std::vector<Span>& out) const {
  const std::string_view part = text.substr(range.begin, range.end - range.begin);
  // The first separator the text contains ("" always matches); the ones after it split pieces that stay
  // too long. Without a match the last separator is used and long pieces are kept whole, as LangChain does.
  size_t chosen = kSeparators.size() - 1;
  bool has_finer = false;
  for (size_t i = first_separator; i < kSeparators.size(); ++i) {
    if (kSeparators[i].empty() || find_separator(part, kSeparators[i], 0) != std::string_view::npos) {
      chosen = i;
      has_finer = !kSeparators[i].empty() && i + 1 < kSeparators.size();
      break;
    }
  }
  const std::string_view separator = kSeparators[chosen];

  // Pieces begin at every position where the separator starts (a lookahead split: overlapping occurrences
  // each start a piece), or at every code point for "". Short pieces gather in `good` until a long one comes,
  // which is split further (or kept whole) after they are merged.
  std::vector<Piece> good;
  auto take_counted = [&](size_t begin, size_t end, size_t length) {
    if (length < size_) {
      good.push_back({begin, end, length});
      return;
    }
    if (!good.empty()) {
      merge(text, good, out);
      good.clear();
    }
    if (has_finer) {
      split_recursive(text, ascii, {begin, end}, chosen + 1, out);
    } else {
      out.push_back({begin, end});  // LangChain keeps such a piece untrimmed
    }
  };
  auto take = [&](size_t begin, size_t end) {
    take_counted(begin, end, ascii ? end - begin : count_code_points(text, begin, end));
  };
#if defined(__x86_64__)
  if (!separator.empty() && separator.size() <= 2 && cpu_has_avx2()) {
    const char a = separator[0], b = separator.size() == 2 ? separator[1] : '\0';
    if (ascii && separator.size() == 2)
      for_each_piece_avx2<true, true>(text, range.begin, range.end, a, b, take_counted);
    else if (ascii)
      for_each_piece_avx2<true, false>(text, range.begin, range.end, a, b, take_counted);
    else if (separator.size() == 2)
      for_each_piece_avx2<false, true>(text, range.begin, range.end, a, b, take_counted);
    else
      for_each_piece_avx2<false, false>(text, range.begin, range.end, a, b, take_counted);
    if (!good.empty()) merge(text, good, out);
    return;
  }
#endif
  size_t piece_begin = range.begin;
  if (separator.empty()) {
    for (size_t i = range.begin + 1; i < range.end; ++i) {
      if (is_continuation(text[i])) continue;
      take(piece_begin, i);
      piece_begin = i;
    }
  } else {
    for (size_t at = find_separator(part, separator, 1); at != std::string_view::npos;
         at = find_separator(part, separator, at + 1)) {
      take(piece_begin, range.begin + at);
      piece_begin = range.begin + at;
    }
  }
  take(piece_begin, range.end);
  if (!good.empty()) merge(text, good, out);
}

// LangChain's mergeSplits with an empty join separator: a chunk is emitted when the next piece would push it
// past the size, then pieces are dropped from its front until at most `overlap` code points remain (and the
// next piece fits). Chunks are contiguous source ranges, trimmed.
void RecursiveChunker::merge(std::string_view text, const std::vector<Piece>& pieces,
                             std::vector<Span>& out) const {
  // The chunk being built is pieces[front, next): consecutive pieces, so a window over the vector.
  size_t front = 0, total = 0;
  auto emit = [&](size_t end) {
    const Span chunk = trim_white_space(text, {pieces[front].begin, pieces[end - 1].end});
    if (chunk.begin < chunk.end) out.push_back(chunk);
  };
  for (size_t next = 0; next < pieces.size(); ++next) {
    const Piece& piece = pieces[next];
    if (total + piece.length > size_ && front < next) {
      emit(next);
      while (total > overlap_ || (total + piece.length > size_ && total > 0)) total -= pieces[front++].length;
    }
    total += piece.length;
  }
  if (front < pieces.size()) emit(pieces.size());
}

}  // namespace chunkwise::text
