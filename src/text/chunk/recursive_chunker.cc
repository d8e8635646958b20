#include "text/chunk/recursive_chunker.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>

#include "common/error.h"

namespace chunkwise::text {

namespace {

struct SeparatorLevel {
  std::string_view text;
  TextMasks::Separator kind;  // unused for ""
};

constexpr std::array<SeparatorLevel, 4> kSeparators = {{{"\n\n", TextMasks::Separator::blank_line},
                                                        {"\n", TextMasks::Separator::newline},
                                                        {" ", TextMasks::Separator::blank},
                                                        {"", TextMasks::Separator::blank}}};

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

}  // namespace

RecursiveChunker::RecursiveChunker(size_t size, size_t overlap) : size_(size), overlap_(overlap) {
  if (size == 0 || overlap >= size)
    fail(ErrorKind::invalid_input, "recursive chunker: bad size {} / overlap {}", size, overlap);
}

std::string RecursiveChunker::describe() const {
  return fmt::format("recursive size={} overlap={} unit=chars", size_, overlap_);
}

std::vector<Span> RecursiveChunker::split(std::string_view text, const TextMasks& masks,
                                          const DocumentStructure&) const {
  std::vector<Span> out;
  if (!text.empty()) split_recursive(text, masks, {0, text.size()}, 0, out);
  return out;
}

void RecursiveChunker::split_recursive(std::string_view text, const TextMasks& masks, Span range,
                                       size_t first_separator, std::vector<Span>& out) const {
  // The first separator the text contains ("" always matches); the ones after it split pieces that stay
  // too long. Without a match the last separator is used and long pieces are kept whole, as LangChain does.
  size_t chosen = kSeparators.size() - 1;
  bool has_finer = false;
  for (size_t i = first_separator; i < kSeparators.size(); ++i) {
    if (kSeparators[i].text.empty() || masks.contains(kSeparators[i].kind, range)) {
      chosen = i;
      has_finer = !kSeparators[i].text.empty() && i + 1 < kSeparators.size();
      break;
    }
  }

  // Pieces begin at every position where the separator starts (a lookahead split: overlapping occurrences
  // each start a piece), or at every code point for "". Short pieces gather in `good` until a long one comes,
  // which is split further (or kept whole) after they are merged.
  const bool by_code_point = kSeparators[chosen].text.empty();
  std::vector<size_t> hits;
  if (!by_code_point) masks.find(kSeparators[chosen].kind, range, hits);
  std::vector<Piece> good;
  good.reserve(by_code_point ? std::min<size_t>(range.end - range.begin, size_) : hits.size() + 1);
  auto take = [&](size_t begin, size_t end, size_t length) {
    if (length < size_) {
      good.push_back({begin, end, length});
      return;
    }
    if (!good.empty()) {
      merge(masks, good, out);
      good.clear();
    }
    if (has_finer) {
      split_recursive(text, masks, {begin, end}, chosen + 1, out);
    } else {
      out.push_back({begin, end});  // LangChain keeps such a piece untrimmed
    }
  };
  size_t piece_begin = range.begin;
  if (by_code_point) {
    for (size_t i = range.begin + 1; i < range.end; ++i) {
      if (is_continuation(text[i])) continue;
      take(piece_begin, i, 1);
      piece_begin = i;
    }
  } else {
    size_t before = masks.code_points_before(piece_begin);  // code points before piece_begin
    for (const size_t at : hits) {
      const size_t until = masks.code_points_before(at);
      take(piece_begin, at, until - before);
      piece_begin = at, before = until;
    }
  }
  take(piece_begin, range.end, masks.code_points({piece_begin, range.end}));
  if (!good.empty()) merge(masks, good, out);
}

// LangChain's mergeSplits with an empty join separator: a chunk is emitted when the next piece would push it
// past the size, then pieces are dropped from its front until at most `overlap` code points remain (and the
// next piece fits). Chunks are contiguous source ranges, trimmed.
void RecursiveChunker::merge(const TextMasks& masks, const std::vector<Piece>& pieces,
                             std::vector<Span>& out) const {
  // The chunk being built is pieces[front, next): consecutive pieces, so a window over the vector.
  size_t front = 0, total = 0;
  auto emit = [&](size_t end) {
    const Span chunk = masks.trim({pieces[front].begin, pieces[end - 1].end});
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
