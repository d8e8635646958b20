#include "text/chunk/chunker.h"

#include <algorithm>

#include "common/error.h"
#include "text/chunk/perplexity_chunker.h"
#include "text/chunk/recursive_chunker.h"
#include "text/chunk/semantic_chunker.h"
#include "text/chunk/sentence_chunker.h"
#include "text/chunk/structure_chunker.h"
#include "text/chunk/token_chunker.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

// The headings path after each heading: paths[i] is the stack of titles once heading i has been read.
std::vector<std::vector<std::string>> heading_paths(const std::vector<Heading>& headings) {
  std::vector<std::vector<std::string>> paths;
  paths.reserve(headings.size());
  std::vector<const Heading*> stack;
  for (const Heading& heading : headings) {
    while (!stack.empty() && stack.back()->level >= heading.level) stack.pop_back();
    stack.push_back(&heading);
    std::vector<std::string>& path = paths.emplace_back();
    for (const Heading* h : stack) path.push_back(h->title);
  }
  return paths;
}

}  // namespace

std::vector<Chunk> Chunker::chunk(std::string_view text, const DocumentStructure& structure) const {
  const TextMasks masks(text);  // throws on invalid UTF-8
  const std::vector<std::vector<std::string>> paths = heading_paths(structure.headings);
  const std::vector<Span> spans = split(text, masks, structure);
  std::vector<Chunk> chunks;
  chunks.reserve(spans.size());
  for (const Span& span : spans) {
    Chunk& chunk = chunks.emplace_back();
    chunk.begin = span.begin;
    chunk.end = span.end;
    chunk.text = std::string(text.substr(span.begin, span.end - span.begin));
    chunk.token_count = masks.words(span);
    const auto heading = std::upper_bound(structure.headings.begin(), structure.headings.end(), span.begin,
                                          [](size_t at, const Heading& h) { return at < h.begin; });
    if (heading != structure.headings.begin())
      chunk.headings = paths[heading - structure.headings.begin() - 1];
    const auto page =
        std::upper_bound(structure.page_starts.begin(), structure.page_starts.end(), span.begin);
    chunk.page = static_cast<int>(page - structure.page_starts.begin());
  }
  return chunks;
}

bool chunker_needs_model(std::string_view name) {
  return name == "semantic" || name == "perplexity";
}

std::unique_ptr<Chunker> make_chunker(const ChunkerConfig& config, const ChunkerModels& models) {
  size_t size = config.size;
  if (size == 0) size = config.name == "recursive" ? 1000 : 256;
  if (chunker_needs_model(config.name)) {
    if (config.overlap_set && config.overlap > 0)
      fail(ErrorKind::invalid_input, "the {} chunker has no overlap (chunks end at topic shifts)",
           config.name);
    if (config.name == "semantic")
      return std::make_unique<SemanticChunker>(
          SemanticChunkerOptions{size, config.window, config.percentile, config.similarity}, models.encoder);
    return std::make_unique<PerplexityChunker>(PerplexityChunkerOptions{size, config.perplexity_threshold},
                                               models.scorer);
  }
  const size_t overlap = config.overlap_set ? config.overlap : size / 5;
  if (overlap >= size)
    fail(ErrorKind::invalid_input, "chunk overlap {} must be below the chunk size {}", overlap, size);
  if (config.name == "token") return std::make_unique<TokenChunker>(size, overlap);
  if (config.name == "recursive") return std::make_unique<RecursiveChunker>(size, overlap);
  if (config.name == "sentence") return std::make_unique<SentenceChunker>(size, overlap);
  if (config.name == "structure") return std::make_unique<StructureChunker>(size);  // no overlap
  fail(ErrorKind::invalid_input,
       "unknown chunker '{}' (expected token, sentence, recursive, structure, semantic or perplexity)",
       config.name);
}

Span trim_white_space(std::string_view text, Span span) {
  size_t begin = span.begin, end = span.end;
  while (begin < end) {
    size_t next = begin;
    if (!is_whitespace(next_code_point(text, next))) break;
    begin = next;
  }
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
    size_t pos = start;
    if (!is_whitespace(next_code_point(text, pos))) break;
    end = start;
  }
  return {begin, end};
}

}  // namespace chunkwise::text
