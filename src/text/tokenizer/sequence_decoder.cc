// Sequence: each decoder gets the previous one's output tokens.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/decoders.h"
#include "text/tokenizer/json_fields.h"

namespace chunkwise::text {

namespace {

class SequenceDecoder final : public Decoder {
 public:
  explicit SequenceDecoder(std::vector<std::unique_ptr<Decoder>> steps) : steps_(std::move(steps)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (const auto& step : steps_) step->decode_chain(tokens);
  }

 private:
  std::vector<std::unique_ptr<Decoder>> steps_;
};

}  // namespace

std::unique_ptr<Decoder> make_sequence_decoder(const nlohmann::json& spec) {
  const auto& list = require_field(spec, "decoders");
  if (!list.is_array()) fail(ErrorKind::invalid_input, "decoders: expected an array");
  std::vector<std::unique_ptr<Decoder>> steps;
  for (size_t i = 0; i < list.size(); ++i)
    steps.push_back(with_context(fmt::format("decoders[{}]", i), [&] { return make_decoder(list[i]); }));
  return std::make_unique<SequenceDecoder>(std::move(steps));
}

}  // namespace chunkwise::text
