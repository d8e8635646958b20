// Text of a PDF, page by page (poppler): pages joined by a blank line, `structure.page_starts` holding where
// each page's text begins, so every chunk gets the 1-based page of its start. Text poppler extracts in
// reading order; invalid UTF-8 (broken font maps) is replaced by U+FFFD and counted. A PDF that poppler
// cannot open, an encrypted one, or one with more than `max_pages` pages throws Error(invalid_input) naming
// the reason; a PDF without any text (scanned images) gives empty text. Poppler's own error chatter is
// silenced.
#pragma once

#include <string_view>

#include "ingest/document_text.h"

namespace chunkwise::ingest {

ExtractedDocument extract_pdf(std::string_view bytes, int max_pages = 100000);

}  // namespace chunkwise::ingest
