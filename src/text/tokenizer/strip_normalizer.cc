// Strip: removes whitespace (Unicode White_Space) from the left and/or right end.
#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/normalizers.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

class StripNormalizer final : public Normalizer {
 public:
  StripNormalizer(bool left, bool right) : left_(left), right_(right) {}

  void normalize(std::string& text) const override {
    size_t begin = 0, end = text.size();
    if (left_) {
      while (begin < end) {
        size_t next = begin;
        if (!is_whitespace(next_code_point(text, next))) break;
        begin = next;
      }
    }
    if (right_) {
      while (end > begin) {
        size_t start = end - 1;
        while (start > begin && (static_cast<unsigned char>(text[start]) & 0xC0) == 0x80) --start;
        size_t next = start;
        if (!is_whitespace(next_code_point(text, next))) break;
        end = start;
      }
    }
    text = text.substr(begin, end - begin);
  }

 private:
  bool left_, right_;
};

}  // namespace

std::unique_ptr<Normalizer> make_strip_normalizer(const nlohmann::json& spec) {
  return std::make_unique<StripNormalizer>(bool_field(spec, "strip_left", true),
                                           bool_field(spec, "strip_right", true));
}

}  // namespace chunkwise::text
