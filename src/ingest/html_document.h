// Text of an HTML page for chunking, with its headings: gumbo (the HTML5 parsing algorithm, so broken markup
// parses as browsers parse it), then a walk that keeps what a reader sees as content:
//  - dropped: script, style, noscript, template, head (except the title), nav, header, footer, aside, form
//    controls, svg/canvas/iframe, and elements marked hidden (the `hidden` attribute, aria-hidden="true",
//    style display:none);
//  - the <title> as the first paragraph; h1-h6 as their own paragraphs, recorded as headings (level, title,
//    byte offset in the extracted text) so chunks carry a headings path;
//  - paragraphs and other blocks separated by a blank line, <br> as a line break, list items as "- item"
//    lines, table rows one per line with cells joined by " | ", <pre> verbatim; other whitespace collapsed.
// Chunk offsets then refer to this extracted text, which is what the catalog stores. A document whose
// elements nest more than 2,000 deep is refused with Error(invalid_input) (parsing time grows with the square
// of it).
#pragma once

#include <string_view>

#include "ingest/document_text.h"

namespace chunkwise::ingest {

// `html` must be valid UTF-8 (decode_text makes it so).
ExtractedDocument extract_html(std::string_view html);

}  // namespace chunkwise::ingest
