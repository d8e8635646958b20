#include "text/tokenizer/byte_level_alphabet.h"

#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

const ByteLevelAlphabet& ByteLevelAlphabet::get() {
  static const ByteLevelAlphabet alphabet;
  return alphabet;
}

ByteLevelAlphabet::ByteLevelAlphabet() {
  decoded_.fill(-1);
  char32_t next_extra = 256;
  for (int b = 0; b < 256; ++b) {
    const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
    const char32_t c = printable ? static_cast<char32_t>(b) : next_extra++;
    append_utf8(encoded_[b], c);
    decoded_[c] = static_cast<int16_t>(b);
  }
}

std::optional<std::string> ByteLevelAlphabet::to_bytes(std::string_view token) const {
  std::string out;
  out.reserve(token.size());
  size_t pos = 0;
  while (pos < token.size()) {
    const char32_t c = next_code_point(token, pos);
    const int b = decode(c);
    if (b < 0) return std::nullopt;
    out.push_back(static_cast<char>(b));
  }
  return out;
}

void ByteLevelAlphabet::append_encoded(std::string_view bytes, std::string& out) const {
  for (unsigned char b : bytes) out.append(encoded_[b]);
}

}  // namespace chunkwise::text
