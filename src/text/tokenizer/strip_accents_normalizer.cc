// StripAccents: drops combining marks (Mn, Mc, Me). Usually follows NFD.
#include "text/tokenizer/normalizers.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

class StripAccentsNormalizer final : public Normalizer {
 public:
  void normalize(std::string& text) const override {
    std::string out;
    out.reserve(text.size());
    size_t pos = 0;
    while (pos < text.size()) {
      const size_t start = pos;
      const char32_t c = next_code_point(text, pos);
      if (!is_mark(c)) out.append(text, start, pos - start);
    }
    text = std::move(out);
  }
};

}  // namespace

std::unique_ptr<Normalizer> make_strip_accents_normalizer() {
  return std::make_unique<StripAccentsNormalizer>();
}

}  // namespace chunkwise::text
