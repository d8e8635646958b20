// NFC, NFD, NFKC, NFKD through utf8proc. ASCII text is left as is (invariant under all four forms), and so is
// text that NFC cannot change (see is_nfc_inert).
#include <utf8proc.h>

#include <cstdlib>

#include "common/error.h"
#include "text/tokenizer/normalizers.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

bool is_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  return true;
}

// Characters that NFC leaves alone whatever surrounds them: NFC_Quick_Check=Yes, canonical combining class 0,
// and never the second half of a composition. Common scripts only; anything else takes the utf8proc path.
bool is_nfc_inert(char32_t c) {
  if (c < 0x300) return true;
  if (c < 0x3000) {
    return (c >= 0x400 && c <= 0x482) || (c >= 0x48A && c <= 0x52F) || (c >= 0x600 && c <= 0x64A) ||
           (c >= 0x660 && c <= 0x66F) || (c >= 0x671 && c <= 0x6D5);
  }
  return (c <= 0x3029) || (c >= 0x3030 && c <= 0x3098) || (c >= 0x309B && c <= 0x30FF) ||
         (c >= 0x3400 && c <= 0x4DBF) || (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7A3) ||
         (c >= 0xFF01 && c <= 0xFF9D) || (c >= 0x1F300 && c <= 0x1FAFF);
}

bool is_nfc_inert(const std::string& text) {
  size_t pos = 0;
  while (pos < text.size()) {
    if (static_cast<unsigned char>(text[pos]) < 0x80) {
      ++pos;
      continue;
    }
    if (!is_nfc_inert(next_code_point(text, pos))) return false;
  }
  return true;
}

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) : nfc_(form == UnicodeForm::nfc) {
    switch (form) {
      case UnicodeForm::nfc:
        options_ = UTF8PROC_COMPOSE;
        break;
      case UnicodeForm::nfd:
        options_ = UTF8PROC_DECOMPOSE;
        break;
      case UnicodeForm::nfkc:
        options_ = static_cast<utf8proc_option_t>(UTF8PROC_COMPOSE | UTF8PROC_COMPAT);
        break;
      case UnicodeForm::nfkd:
        options_ = static_cast<utf8proc_option_t>(UTF8PROC_DECOMPOSE | UTF8PROC_COMPAT);
        break;
    }
    options_ = static_cast<utf8proc_option_t>(options_ | UTF8PROC_STABLE);
  }

  void normalize(std::string& text) const override {
    if (nfc_ ? is_nfc_inert(text) : is_ascii(text)) return;
    utf8proc_uint8_t* result = nullptr;
    const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                     static_cast<utf8proc_ssize_t>(text.size()), &result, options_);
    if (length < 0) fail(ErrorKind::internal, "Unicode normalization failed: {}", utf8proc_errmsg(length));
    text.assign(reinterpret_cast<const char*>(result), static_cast<size_t>(length));
    std::free(result);
  }

 private:
  bool nfc_;
  utf8proc_option_t options_{};
};

}  // namespace

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form) {
  return std::make_unique<UnicodeNormalizer>(form);
}

}  // namespace chunkwise::text
