// The split rules of Hugging Face's NormalizedString::split (SplitDelimiterBehavior), on byte ranges.
#include <algorithm>
#include <nlohmann/json.hpp>
#include <vector>

#include "common/error.h"
#include "text/tokenizer/pre_tokenizers.h"

namespace chunkwise::text {

SplitBehavior parse_split_behavior(const nlohmann::json& value) {
  if (!value.is_string()) fail(ErrorKind::invalid_input, "behavior: expected a string");
  const auto name = value.get<std::string>();
  if (name == "Removed") return SplitBehavior::removed;
  if (name == "Isolated") return SplitBehavior::isolated;
  if (name == "MergedWithPrevious") return SplitBehavior::merged_with_previous;
  if (name == "MergedWithNext") return SplitBehavior::merged_with_next;
  if (name == "Contiguous") return SplitBehavior::contiguous;
  fail(ErrorKind::unsupported, "behavior: unsupported split behavior '{}'", name);
}

namespace {

struct Segment {
  uint32_t start;
  uint32_t end;
  bool is_match;
};

}  // namespace

void add_split_pieces(std::string_view piece, std::span<const MatchSpan> matches, bool invert,
                      SplitBehavior behavior, PieceList& out) {
  if (piece.empty()) return;
  if (!invert && behavior == SplitBehavior::isolated) {  // the common case, without building segments
    uint32_t last = 0;
    for (const MatchSpan& m : matches) {
      if (m.start > last) out.add(piece.substr(last, m.start - last));
      out.add(piece.substr(m.start, m.end - m.start));
      last = m.end;
    }
    if (last < piece.size()) out.add(piece.substr(last));
    return;
  }
  thread_local std::vector<Segment> segments;
  thread_local std::vector<Segment> merged;
  segments.clear();
  uint32_t last = 0;
  for (const MatchSpan& m : matches) {
    if (m.start != last) segments.push_back({last, m.start, invert});
    segments.push_back({m.start, m.end, !invert});
    last = m.end;
  }
  if (last != piece.size()) segments.push_back({last, static_cast<uint32_t>(piece.size()), invert});

  merged.clear();
  switch (behavior) {
    case SplitBehavior::isolated:
      merged = segments;
      break;
    case SplitBehavior::removed:
      for (const Segment& s : segments)
        if (!s.is_match) merged.push_back(s);
      break;
    case SplitBehavior::merged_with_previous: {
      bool previous_match = false;
      for (const Segment& s : segments) {
        if (s.is_match && !previous_match && !merged.empty()) {
          merged.back().end = s.end;
        } else {
          merged.push_back(s);
        }
        previous_match = s.is_match;
      }
      break;
    }
    case SplitBehavior::merged_with_next: {
      bool previous_match = false;
      for (size_t i = segments.size(); i-- > 0;) {
        const Segment& s = segments[i];
        if (s.is_match && !previous_match && !merged.empty()) {
          merged.back().start = s.start;
        } else {
          merged.push_back(s);
        }
        previous_match = s.is_match;
      }
      std::reverse(merged.begin(), merged.end());
      break;
    }
    case SplitBehavior::contiguous: {
      int previous = -1;
      for (const Segment& s : segments) {
        if (previous == static_cast<int>(s.is_match) && !merged.empty()) {
          merged.back().end = s.end;
        } else {
          merged.push_back(s);
        }
        previous = s.is_match;
      }
      break;
    }
  }
  for (const Segment& s : merged) out.add(piece.substr(s.start, s.end - s.start));
}

}  // namespace chunkwise::text
