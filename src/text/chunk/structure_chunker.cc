#include "text/chunk/structure_chunker.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "text/chunk/sentence_chunker.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

struct Unit {
  Span span;
  size_t words = 0;
  bool atomic = false;
};

struct Section {
  int level = 0;  // 0: the text before the first heading
  std::vector<Unit> units;
  size_t words = 0;
};

// The atomic blocks clamped to the text, in order, overlapping ones merged.
std::vector<Span> normalized_blocks(std::string_view text, std::vector<Span> blocks) {
  std::ranges::sort(blocks, [](const Span& a, const Span& b) { return a.begin < b.begin; });
  std::vector<Span> out;
  for (Span b : blocks) {
    b.end = std::min(b.end, text.size());
    if (b.begin >= b.end) continue;
    if (!out.empty() && b.begin < out.back().end)
      out.back().end = std::max(out.back().end, b.end);
    else
      out.push_back(b);
  }
  return out;
}

// Where paragraphs end in [begin, end): after each run of two or more line breaks (blank lines).
std::vector<size_t> paragraph_cuts(std::string_view text, size_t begin, size_t end) {
  std::vector<size_t> cuts;
  for (size_t at = text.find('\n', begin); at != std::string_view::npos && at < end;
       at = text.find('\n', at + 1)) {
    size_t next = at + 1;
    while (next < end && (text[next] == ' ' || text[next] == '\t' || text[next] == '\r')) ++next;
    if (next < end && text[next] == '\n') {
      while (next < end &&
             (text[next] == '\n' || text[next] == ' ' || text[next] == '\t' || text[next] == '\r'))
        ++next;
      cuts.push_back(next);
      at = next - 1;
    }
  }
  return cuts;
}

}  // namespace

StructureChunker::StructureChunker(size_t size) : size_(size) {
  if (size == 0) fail(ErrorKind::invalid_input, "structure chunker: the size must be at least 1 word");
}

std::string StructureChunker::describe() const {
  return fmt::format("structure size={} unit=words", size_);
}

std::vector<Span> StructureChunker::split(std::string_view text, const TextMasks& masks,
                                          const DocumentStructure& structure) const {
  const std::vector<Span> blocks = normalized_blocks(text, structure.atomic_blocks);

  // Sections between headings.
  std::vector<std::pair<size_t, int>> starts = {{0, 0}};
  for (const Heading& h : structure.headings)
    if (h.begin > starts.back().first && h.begin < text.size())
      starts.emplace_back(h.begin, h.level);
    else if (h.begin == starts.back().first)
      starts.back().second = h.level;
  std::vector<Section> sections;
  size_t block = 0;
  for (size_t s = 0; s < starts.size(); ++s) {
    const size_t begin = starts[s].first, end = s + 1 < starts.size() ? starts[s + 1].first : text.size();
    Section& section = sections.emplace_back();
    section.level = starts[s].second;
    auto add_text = [&](size_t from, size_t to) {  // plain text: paragraphs, long ones cut at sentences
      size_t at = from;
      std::vector<size_t> cuts = paragraph_cuts(text, from, to);
      cuts.push_back(to);
      for (size_t cut : cuts) {
        const Span paragraph = trim_white_space(text, {at, cut});
        at = cut;
        if (paragraph.begin >= paragraph.end) continue;
        const size_t words = masks.words(paragraph);
        if (words <= size_) {
          section.units.push_back({paragraph, words, false});
          continue;
        }
        for (const Span& piece : pack_sentence_units(sentence_units(text, masks, paragraph, size_), size_, 0))
          section.units.push_back({piece, masks.words(piece), false});
      }
    };
    size_t at = begin;
    // Blocks starting in this section (a block never straddles a heading: headings inside code are not read;
    // if one did, it ends the block's section early and the rest goes to the next).
    while (block < blocks.size() && blocks[block].begin < end) {
      const Span b{std::max(blocks[block].begin, at), std::min(blocks[block].end, end)};
      if (b.begin > at) add_text(at, b.begin);
      const Span whole = trim_white_space(text, b);
      if (whole.begin < whole.end) section.units.push_back({whole, masks.words(whole), true});
      at = b.end;
      if (blocks[block].end <= end)
        ++block;
      else
        break;
    }
    if (at < end) add_text(at, end);
    for (const Unit& u : section.units) section.words += u.words;
  }

  // Packing.
  std::vector<Span> spans;
  Span current{0, 0};
  size_t current_words = 0;
  int current_level = 0;
  bool open = false;
  auto flush = [&] {
    if (open) spans.push_back(current);
    open = false;
    current_words = 0;
  };
  for (const Section& section : sections) {
    if (section.units.empty()) continue;
    // A whole small section joins the open chunk when it is a sibling or a subsection of where it started.
    const bool joins =
        open && current_level > 0 && section.level >= current_level && current_words + section.words <= size_;
    if (!joins) {
      flush();
      current_level = section.level;
    }
    for (const Unit& unit : section.units) {
      if (open && current_words + unit.words > size_) flush();
      if (!open) {
        current = unit.span;
        current_words = unit.words;
        open = true;
      } else {
        current.end = unit.span.end;
        current_words += unit.words;
      }
      if (unit.atomic && unit.words > size_) flush();  // a big table or code block stands alone
    }
  }
  flush();
  return spans;
}

}  // namespace chunkwise::text
