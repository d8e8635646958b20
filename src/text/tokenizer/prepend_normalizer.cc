// Prepend: puts a fixed string in front of non-empty text (Llama-2 / Mistral put "▁" there).
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/normalizers.h"

namespace chunkwise::text {

namespace {

class PrependNormalizer final : public Normalizer {
 public:
  explicit PrependNormalizer(std::string prefix) : prefix_(std::move(prefix)) {}
  void normalize(std::string& text) const override {
    if (!text.empty()) text.insert(0, prefix_);
  }

 private:
  std::string prefix_;
};

}  // namespace

std::unique_ptr<Normalizer> make_prepend_normalizer(const nlohmann::json& spec) {
  return std::make_unique<PrependNormalizer>(string_field(spec, "prepend"));
}

}  // namespace chunkwise::text
