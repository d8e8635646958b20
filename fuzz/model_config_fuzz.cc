// libFuzzer: config.json and generation_config.json parsing, then the weight layout an accepted config
// implies. Any chunkwise::Error is a clean rejection; anything else (crash, sanitizer report, other
// exception) is a bug.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/error.h"
#include "model/model_config.h"
#include "model/weight_layout.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    const auto config = chunkwise::model::parse_model_config(text);
    // Building the layout allocates per layer; cap what the fuzzer may ask for (configs allow up to 4096
    // layers).
    if (config.num_layers <= 64) {
      if (config.is_decoder()) {
        (void)chunkwise::model::all_tensors(chunkwise::model::decoder_spec(config)).size();
      } else {
        (void)chunkwise::model::all_tensors(chunkwise::model::encoder_spec(config)).size();
      }
    }
  } catch (const chunkwise::Error&) {
  }
  try {
    (void)chunkwise::model::parse_generation_config(text);
  } catch (const chunkwise::Error&) {
  }
  return 0;
}
