// The structure of a Markdown document: ATX headings (`#` to `######` after at most three spaces, then a
// space, a tab or the end of the line; an optional closing run of `#` is dropped), skipping fenced code
// blocks (``` or ~~~, closed by a fence of the same character at least as long); and as atomic blocks the
// fenced code blocks (fence lines included; an unclosed one runs to the end) and pipe tables (two or more
// consecutive lines starting with '|'). Setext headings and indented code are not read.
#pragma once

#include <string_view>

#include "text/chunk/chunk.h"

namespace chunkwise::text {

DocumentStructure markdown_structure(std::string_view text);

}  // namespace chunkwise::text
