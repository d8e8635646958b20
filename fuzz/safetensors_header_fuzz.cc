// libFuzzer: the safetensors header parser on arbitrary file bytes, and the shard index parser on the same
// bytes. Any chunkwise::Error is a clean rejection; anything else (crash, sanitizer report, other exception)
// is a bug.
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

#include "common/error.h"
#include "model/safetensors.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const auto bytes = std::as_bytes(std::span(data, size));
  try {
    const auto header = chunkwise::model::parse_safetensors_header(bytes);
    // Every accepted tensor must lie inside the input: touch its first and last byte.
    for (const auto& tensor : header.tensors) {
      if (tensor.data_end > tensor.data_begin) {
        volatile std::byte first = bytes[header.data_offset + tensor.data_begin];
        volatile std::byte last = bytes[header.data_offset + tensor.data_end - 1];
        (void)first;
        (void)last;
      }
      (void)tensor.numel();
    }
  } catch (const chunkwise::Error&) {
  }
  try {
    (void)chunkwise::model::parse_safetensors_index(
        std::string_view(reinterpret_cast<const char*>(data), size));
  } catch (const chunkwise::Error&) {
  }
  return 0;
}
