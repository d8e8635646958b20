// Fuzzes tokenizer.json loading: arbitrary bytes -> Tokenizer::from_json. Malformed or unsupported input must
// be a chunkwise::Error; a tokenizer that loads must then encode and decode a short multilingual string
// without crashing.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "text/tokenizer/tokenizer.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  try {
    const auto tokenizer = chunkwise::text::Tokenizer::from_json(json);
    const auto ids = tokenizer.encode("Hello, W\xC3\xB6rld! 123 \xE4\xBD\xA0\xE5\xA5\xBD  \tend", true);
    (void)tokenizer.decode(ids, false);
    (void)tokenizer.decode(ids, true);
    chunkwise::text::StreamDecoder stream(tokenizer);
    for (auto id : ids) (void)stream.step(id);
    (void)stream.flush();
  } catch (const chunkwise::Error&) {
  }
  return 0;
}
