// Sequence: runs pre-tokenizers one after another, each splitting the previous one's pieces.
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/pre_tokenizers.h"

namespace chunkwise::text {

namespace {

class SequencePreTokenizer final : public PreTokenizer {
 public:
  explicit SequencePreTokenizer(std::vector<std::unique_ptr<PreTokenizer>> steps)
      : steps_(std::move(steps)) {}

  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    if (steps_.empty()) {
      out = in;
      return;
    }
    // Per-thread buffers, one pair per nesting depth so that nested sequences do not share them.
    thread_local std::vector<std::unique_ptr<PieceList>> buffers;
    thread_local size_t depth = 0;
    if (buffers.size() < 2 * (depth + 1)) {
      buffers.push_back(std::make_unique<PieceList>());
      buffers.push_back(std::make_unique<PieceList>());
    }
    PieceList* a = buffers[2 * depth].get();
    PieceList* b = buffers[2 * depth + 1].get();
    ++depth;
    try {
      const PieceList* current = &in;
      for (size_t i = 0; i + 1 < steps_.size(); ++i) {
        steps_[i]->pre_tokenize(*current, *a);
        current = a;
        std::swap(a, b);
      }
      steps_.back()->pre_tokenize(*current, out);
    } catch (...) {
      --depth;
      throw;
    }
    --depth;
  }

 private:
  std::vector<std::unique_ptr<PreTokenizer>> steps_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_sequence_pre_tokenizer(const nlohmann::json& spec, ByteLevelMode mode) {
  const auto& list = require_field(spec, "pretokenizers");
  if (!list.is_array()) fail(ErrorKind::invalid_input, "pretokenizers: expected an array");
  std::vector<std::unique_ptr<PreTokenizer>> steps;
  for (size_t i = 0; i < list.size(); ++i) {
    // Only the last step may leave raw bytes (ends_with_byte_level checked there is no other ByteLevel).
    const ByteLevelMode step_mode = i + 1 == list.size() ? mode : ByteLevelMode{};
    steps.push_back(with_context(fmt::format("pretokenizers[{}]", i),
                                 [&] { return make_pre_tokenizer(list[i], step_mode); }));
  }
  return std::make_unique<SequencePreTokenizer>(std::move(steps));
}

}  // namespace chunkwise::text
