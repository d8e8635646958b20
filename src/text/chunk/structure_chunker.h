// Structure-aware chunks: they follow the document's sections (headings from the Markdown or HTML parser) and
// never cut a table or a code block (DocumentStructure::atomic_blocks).
//   - A chunk never spans a heading, except that a whole section small enough joins the chunk before it when
//     its heading is at the same or a deeper level than where that chunk started (siblings and subsections
//     merge up to `size` words; a chunk never runs on into a section of a higher level, and the text before
//     the first heading is a chunk of its own).
//   - Inside a section, chunks are whole paragraphs (blank-line separated) and whole blocks, packed up to
//     `size` words; a paragraph longer than that is cut at sentences (SentenceChunker), a table or code block
//     longer than that is a chunk of its own, whole.
//   - Chunks never begin or end with whitespace. There is no overlap.
#pragma once

#include "text/chunk/chunker.h"

namespace chunkwise::text {

class StructureChunker : public Chunker {
 public:
  explicit StructureChunker(size_t size);  // words, > 0
  std::string describe() const override;

 protected:
  std::vector<Span> split(std::string_view text, const TextMasks& masks,
                          const DocumentStructure& structure) const override;

 private:
  size_t size_;
};

}  // namespace chunkwise::text
