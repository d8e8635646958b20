// Sequence: runs normalizers one after another.
#include <fmt/format.h>

#include <vector>

#include "common/error.h"
#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/normalizers.h"

namespace chunkwise::text {

namespace {

class SequenceNormalizer final : public Normalizer {
 public:
  explicit SequenceNormalizer(std::vector<std::unique_ptr<Normalizer>> steps) : steps_(std::move(steps)) {}
  void normalize(std::string& text) const override {
    for (const auto& step : steps_) step->normalize(text);
  }

 private:
  std::vector<std::unique_ptr<Normalizer>> steps_;
};

}  // namespace

std::unique_ptr<Normalizer> make_sequence_normalizer(const nlohmann::json& spec) {
  const auto& list = require_field(spec, "normalizers");
  if (!list.is_array()) fail(ErrorKind::invalid_input, "normalizers: expected an array");
  std::vector<std::unique_ptr<Normalizer>> steps;
  for (size_t i = 0; i < list.size(); ++i)
    steps.push_back(
        with_context(fmt::format("normalizers[{}]", i), [&] { return make_normalizer(list[i]); }));
  return std::make_unique<SequenceNormalizer>(std::move(steps));
}

}  // namespace chunkwise::text
