// Sequence: runs post-processors one after another. (Pairs: each step sees the pair merged by the step
// before; the public Tokenizer API encodes single sequences only.)
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/post_processors.h"

namespace chunkwise::text {

namespace {

class SequencePostProcessor final : public PostProcessor {
 public:
  explicit SequencePostProcessor(std::vector<std::unique_ptr<PostProcessor>> steps)
      : steps_(std::move(steps)) {}
  void process(std::vector<TokenId>& ids, std::vector<TokenId>* pair,
               bool add_special_tokens) const override {
    for (size_t i = 0; i < steps_.size(); ++i)
      steps_[i]->process(ids, i == 0 ? pair : nullptr, add_special_tokens);
    if (steps_.empty() && pair != nullptr) ids.insert(ids.end(), pair->begin(), pair->end());
  }
  size_t added_tokens(bool pair) const override {
    size_t n = 0;
    for (const auto& step : steps_) n += step->added_tokens(pair);
    return n;
  }

 private:
  std::vector<std::unique_ptr<PostProcessor>> steps_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_sequence_post_processor(const nlohmann::json& spec) {
  const auto& list = require_field(spec, "processors");
  if (!list.is_array()) fail(ErrorKind::invalid_input, "processors: expected an array");
  std::vector<std::unique_ptr<PostProcessor>> steps;
  for (size_t i = 0; i < list.size(); ++i)
    steps.push_back(
        with_context(fmt::format("processors[{}]", i), [&] { return make_post_processor(list[i]); }));
  return std::make_unique<SequencePostProcessor>(std::move(steps));
}

}  // namespace chunkwise::text
