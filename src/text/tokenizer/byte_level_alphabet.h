// GPT-2's byte-level alphabet: each of the 256 byte values is shown as one printable Unicode character
// ('Ġ' for space, 'Ċ' for newline, ...). Byte-level vocabularies are written in this alphabet.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace chunkwise::text {

class ByteLevelAlphabet {
 public:
  static const ByteLevelAlphabet& get();

  // The UTF-8 encoding of the character that stands for `byte`.
  std::string_view encode(uint8_t byte) const { return encoded_[byte]; }
  // The byte that `c` stands for, or -1 when `c` is not in the alphabet.
  int decode(char32_t c) const { return c < decoded_.size() ? decoded_[c] : -1; }
  // Raw bytes of a token written in the alphabet; nullopt when it holds other characters.
  std::optional<std::string> to_bytes(std::string_view token) const;
  void append_encoded(std::string_view bytes, std::string& out) const;

 private:
  ByteLevelAlphabet();
  std::array<std::string, 256> encoded_;
  std::array<int16_t, 324> decoded_;
};

}  // namespace chunkwise::text
