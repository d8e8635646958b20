// ByteLevel decoder: maps the GPT-2 alphabet back to bytes (a token with any other character keeps its own
// UTF-8 bytes, as added tokens do) and joins everything into one string, invalid UTF-8 becoming U+FFFD.
#include "text/tokenizer/byte_level_alphabet.h"
#include "text/tokenizer/decoders.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

class ByteLevelDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
    std::string bytes;
    for (const std::string& token : tokens) {
      const size_t mark = bytes.size();
      size_t pos = 0;
      bool in_alphabet = true;
      while (pos < token.size()) {
        const int b = alphabet.decode(next_code_point(token, pos));
        if (b < 0) {
          in_alphabet = false;
          break;
        }
        bytes.push_back(static_cast<char>(b));
      }
      if (!in_alphabet) {
        bytes.resize(mark);
        bytes.append(token);
      }
    }
    std::string text;
    if (!replace_invalid_utf8(bytes, text)) text = std::move(bytes);
    tokens.assign(1, std::move(text));
  }
};

}  // namespace

std::unique_ptr<Decoder> make_byte_level_decoder() {
  return std::make_unique<ByteLevelDecoder>();
}

}  // namespace chunkwise::text
