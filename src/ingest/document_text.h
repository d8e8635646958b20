// From a file's bytes to the text that gets chunked and stored, by format: plain text as it is, Markdown with
// its headings, HTML through extract_html, PDF through extract_pdf; files ending in .gz are decompressed
// first and then read by the extension before it (README.md.gz is Markdown). Invalid UTF-8 is replaced by
// U+FFFD (and counted); chunk offsets refer to the returned text.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "ingest/text_file.h"
#include "text/chunk/chunk.h"

namespace chunkwise::ingest {

struct ExtractedDocument {
  std::string text;                   // valid UTF-8
  text::DocumentStructure structure;  // headings and pages, offsets into `text`
  size_t replaced = 0;                // invalid UTF-8 sequences replaced by U+FFFD
  bool binary = false;                // text formats only: the bytes are not text; `text` is empty
};

// Throws Error(invalid_input) for a corrupt compressed file or PDF, naming what is wrong (not the path).
ExtractedDocument extract_document(const FileFormat& format, std::string bytes);

// Decompresses gzip (or zlib) data, concatenated members included. Throws Error(invalid_input) for corrupt
// data or more than `max_bytes` of output.
std::string gunzip(std::string_view bytes, size_t max_bytes);

}  // namespace chunkwise::ingest
