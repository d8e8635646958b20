// ByteLevel: optionally adds a leading space, optionally splits with the GPT-2 regex, then shows every byte
// as a character of the GPT-2 alphabet. In raw-bytes mode (see ByteLevelMode) the last step is skipped: the
// BPE model then looks its vocabulary up by raw bytes.
#include <nlohmann/json.hpp>

#include "text/tokenizer/byte_level_alphabet.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/pre_tokenizers.h"

namespace chunkwise::text {

namespace {

constexpr const char* kGpt2Pattern =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

class ByteLevelPreTokenizer final : public PreTokenizer {
 public:
  ByteLevelPreTokenizer(bool add_prefix_space, bool use_regex, bool raw_bytes)
      : add_prefix_space_(add_prefix_space), raw_bytes_(raw_bytes) {
    if (use_regex) regex_.emplace(kGpt2Pattern);
  }

  void pre_tokenize(const PieceList& in, PieceList& out) const override {
    thread_local PieceList split;
    thread_local std::vector<MatchSpan> matches;
    thread_local std::string prefixed;
    const PieceList* pieces = &in;
    if (add_prefix_space_ || regex_) {
      split.clear();
      split.set_first_starts_input(in.first_starts_input());
      for (size_t i = 0; i < in.size(); ++i) {
        std::string_view piece = in[i];
        if (add_prefix_space_ && piece.front() != ' ') {
          prefixed.clear();
          prefixed.push_back(' ');
          prefixed.append(piece);
          piece = prefixed;
        }
        if (regex_) {
          regex_->find_all(piece, matches);
          add_split_pieces(piece, matches, false, SplitBehavior::isolated, split);
        } else {
          split.add(piece);
        }
      }
      pieces = &split;
    }
    out.clear();
    out.set_first_starts_input(in.first_starts_input());
    const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
    for (size_t i = 0; i < pieces->size(); ++i) {
      const std::string_view piece = (*pieces)[i];
      if (raw_bytes_) {
        out.add(piece);
      } else {
        for (unsigned char b : piece) out.append(alphabet.encode(b));
        out.finish_piece();
      }
    }
  }

 private:
  bool add_prefix_space_;
  bool raw_bytes_;
  std::optional<RegexPattern> regex_;
};

}  // namespace

std::unique_ptr<PreTokenizer> make_byte_level_pre_tokenizer(const nlohmann::json& spec, ByteLevelMode mode) {
  return std::make_unique<ByteLevelPreTokenizer>(bool_field(spec, "add_prefix_space", true),
                                                 bool_field(spec, "use_regex", true), mode.raw_bytes);
}

}  // namespace chunkwise::text
