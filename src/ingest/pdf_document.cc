#include "ingest/pdf_document.h"

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page.h>

#include <climits>
#include <memory>
#include <mutex>

#include "common/error.h"
#include "ingest/text_file.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::ingest {

namespace {

void ignore_poppler_message(const std::string&, void*) {}

}  // namespace

ExtractedDocument extract_pdf(std::string_view bytes, int max_pages) {
  static std::once_flag quiet;
  std::call_once(quiet, [] { poppler::set_debug_error_function(ignore_poppler_message, nullptr); });
  if (bytes.size() > size_t(INT_MAX)) fail(ErrorKind::invalid_input, "PDF larger than 2 GiB");
  const std::unique_ptr<poppler::document> document(
      poppler::document::load_from_raw_data(bytes.data(), int(bytes.size())));
  if (!document) fail(ErrorKind::invalid_input, "not a readable PDF (poppler could not open it)");
  if (document->is_locked()) fail(ErrorKind::invalid_input, "encrypted PDF (needs a password)");
  const int pages = document->pages();
  if (pages > max_pages) fail(ErrorKind::invalid_input, "PDF has {} pages, more than {}", pages, max_pages);
  ExtractedDocument extracted;
  for (int p = 0; p < pages; ++p) {
    if (p > 0) extracted.text += "\n\n";
    extracted.structure.page_starts.push_back(extracted.text.size());
    const std::unique_ptr<poppler::page> page(document->create_page(p));
    if (!page) continue;
    const poppler::byte_array utf8 = page->text().to_utf8();
    std::string page_text(utf8.begin(), utf8.end());
    std::string repaired;
    if (text::replace_invalid_utf8(page_text, repaired)) {
      extracted.replaced += count_replacement_characters(repaired) - count_replacement_characters(page_text);
      page_text = std::move(repaired);
    }
    // NULs and form feeds are not text.
    for (char& c : page_text)
      if (c == '\0' || c == '\f') c = ' ';
    extracted.text += page_text;
  }
  return extracted;
}

}  // namespace chunkwise::ingest
