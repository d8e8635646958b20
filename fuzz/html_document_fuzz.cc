// Fuzzes HTML extraction (ingest/html_document.h) on arbitrary bytes, repaired to UTF-8 as ingest does.
// Checks: the text is valid UTF-8 with no leading or trailing whitespace and no run of more than two newlines
// outside <pre>-free inputs' guarantees (not checked); headings are in order, inside the text, each at its
// title; a refusal is only ever the nesting-depth error. Traps on a broken promise.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.h"
#include "ingest/html_document.h"
#include "ingest/text_file.h"
#include "text/tokenizer/unicode_text.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "html_document_fuzz: violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chunkwise::ingest::DecodedText decoded =
      chunkwise::ingest::decode_text(std::string(reinterpret_cast<const char*>(data), size));
  if (decoded.binary) return 0;
  chunkwise::ingest::ExtractedDocument document;
  try {
    document = chunkwise::ingest::extract_html(decoded.text);
  } catch (const chunkwise::Error& e) {
    check(std::string_view(e.what()).find("HTML nests elements") != std::string_view::npos,
          "only the nesting limit refuses a document");
    return 0;
  }
  const std::string& text = document.text;
  std::string repaired;
  check(!chunkwise::text::replace_invalid_utf8(text, repaired), "text is valid UTF-8");
  if (!text.empty()) {
    const std::string_view blank = " \t\n\r\f\v";
    check(blank.find(text.front()) == std::string_view::npos &&
              blank.find(text.back()) == std::string_view::npos,
          "text is trimmed");
  }
  size_t previous = 0;
  for (const chunkwise::text::Heading& heading : document.structure.headings) {
    check(heading.begin >= previous, "headings in order");
    check(heading.level >= 1 && heading.level <= 6, "heading level 1-6");
    check(!heading.title.empty(), "heading title not empty");
    check(heading.begin + heading.title.size() <= text.size(), "heading inside the text");
    check(text.compare(heading.begin, heading.title.size(), heading.title) == 0, "heading at its title");
    previous = heading.begin;
  }
  return 0;
}
