// NFC, NFD, NFKC, NFKD through utf8proc. ASCII text is left as is: it is invariant under all four forms.
#include <utf8proc.h>

#include <cstdlib>

#include "common/error.h"
#include "text/tokenizer/normalizers.h"

namespace chunkwise::text {

namespace {

bool is_ascii(const std::string& text) {
  for (unsigned char c : text)
    if (c >= 0x80) return false;
  return true;
}

class UnicodeNormalizer final : public Normalizer {
 public:
  explicit UnicodeNormalizer(UnicodeForm form) {
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
    if (is_ascii(text)) return;
    utf8proc_uint8_t* result = nullptr;
    const auto length = utf8proc_map(reinterpret_cast<const utf8proc_uint8_t*>(text.data()),
                                     static_cast<utf8proc_ssize_t>(text.size()), &result, options_);
    if (length < 0) fail(ErrorKind::internal, "Unicode normalization failed: {}", utf8proc_errmsg(length));
    text.assign(reinterpret_cast<const char*>(result), static_cast<size_t>(length));
    std::free(result);
  }

 private:
  utf8proc_option_t options_{};
};

}  // namespace

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form) {
  return std::make_unique<UnicodeNormalizer>(form);
}

}  // namespace chunkwise::text
