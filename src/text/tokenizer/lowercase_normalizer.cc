// Lowercase: Rust's char::to_lowercase per character (full mapping, so U+0130 becomes "i\u0307").
#include <utf8proc.h>

#include "text/tokenizer/normalizers.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

class LowercaseNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    bool ascii = true;
    for (char& c : text) {
      if (static_cast<unsigned char>(c) >= 0x80) {
        ascii = false;
        break;
      }
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + ('a' - 'A'));
    }
    if (ascii) return;
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
      const char32_t c = next_code_point(text, pos);
      if (c == 0x130) {
        out.append("i\xCC\x87");
        continue;
      }
      append_utf8(out, static_cast<char32_t>(utf8proc_tolower(static_cast<utf8proc_int32_t>(c))));
    }
    text = std::move(out);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_lowercase_normalizer() {
  return std::make_unique<LowercaseNormalizer>();
}

}  // namespace chunkwise::text
