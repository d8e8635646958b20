// A chunk: a contiguous slice of a document's text with the structure it sits in. Offsets are byte offsets
// into the text the chunker was given, so `text == source.substr(begin, end - begin)` always holds.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace chunkwise::text {

// A byte range [begin, end) of the source.
struct Span {
  size_t begin = 0;
  size_t end = 0;
};

struct Chunk {
  std::string text;
  size_t begin = 0;  // [begin, end) in bytes
  size_t end = 0;
  size_t token_count = 0;             // whitespace-separated words
  std::vector<std::string> headings;  // headings path in effect at `begin`, outermost first
  int page = 0;                       // 1-based page of `begin`; 0 where the format has no pages
};

// A heading line of the source: where it starts, its level (1 for `#`) and its title.
struct Heading {
  size_t begin = 0;
  int level = 1;
  std::string title;
};

// What a format parser knows about a document besides its text; empty for plain text.
struct DocumentStructure {
  std::vector<Heading> headings;    // in source order
  std::vector<size_t> page_starts;  // byte offset where each page begins, in order; empty: no pages
  // Ranges a chunker must not cut: tables and code blocks (Markdown fences and pipe tables, HTML <pre> and
  // <table>); in order, not overlapping. Only the structure-aware chunker honours them.
  std::vector<Span> atomic_blocks;
};

}  // namespace chunkwise::text
