// Replace: every match of a String or Regex pattern becomes `content`.
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/normalizers.h"
#include "text/tokenizer/text_pattern.h"

namespace chunkwise::text {

namespace {

class ReplaceNormalizer final : public Normalizer {
 public:
  ReplaceNormalizer(TextPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void normalize(std::string& text) const override {
    std::string out;
    pattern_.replace_all(text, content_, out);
    text = std::move(out);
  }

 private:
  TextPattern pattern_;
  std::string content_;
};

}  // namespace

std::unique_ptr<Normalizer> make_replace_normalizer(const nlohmann::json& spec) {
  return std::make_unique<ReplaceNormalizer>(TextPattern::from_json(require_field(spec, "pattern")),
                                             string_field(spec, "content"));
}

}  // namespace chunkwise::text
