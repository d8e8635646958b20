// Fuzzes PDF extraction (ingest/pdf_document.h) through poppler on arbitrary bytes. Checks: either an
// Error(invalid_input) or valid UTF-8 text with one page start per page, in order, inside the text, the first
// at 0, and no NUL or form feed. Traps on a broken promise.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "common/error.h"
#include "ingest/pdf_document.h"
#include "text/tokenizer/unicode_text.h"

namespace {

void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "pdf_document_fuzz: violated: %s\n", what);
    std::abort();
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  chunkwise::ingest::ExtractedDocument document;
  try {
    document =
        chunkwise::ingest::extract_pdf(std::string_view(reinterpret_cast<const char*>(data), size), 64);
  } catch (const chunkwise::Error& e) {
    check(e.kind() == chunkwise::ErrorKind::invalid_input, "refusals are invalid_input");
    return 0;
  }
  const std::string& text = document.text;
  std::string repaired;
  check(!chunkwise::text::replace_invalid_utf8(text, repaired), "text is valid UTF-8");
  check(text.find('\0') == std::string::npos && text.find('\f') == std::string::npos, "no NUL or form feed");
  const auto& starts = document.structure.page_starts;
  if (!starts.empty()) check(starts.front() == 0, "first page at 0");
  for (size_t i = 0; i < starts.size(); ++i) {
    check(starts[i] <= text.size(), "page start inside the text");
    if (i > 0) check(starts[i] > starts[i - 1], "page starts increase");
  }
  return 0;
}
