// Layer-by-layer comparison with a reference implementation: when the environment variable CHUNKWISE_DUMP_DIR
// is set, every op output that was given a name (e.g. "layer3.attn_norm") is written there as raw
// little-endian f32 (<name>.f32) and listed in <dir>/index.json as {"name": ..., "file": ..., "shape":
// [...]}. A name used again overwrites the earlier file. Without the variable, named outputs cost nothing.
#pragma once

#include <string>
#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

bool debug_dump_enabled();
// Overrides CHUNKWISE_DUMP_DIR (empty: off) and forgets the index written so far.
void set_debug_dump_dir(const std::string& dir);
// Writes `tensor` under `name` if dumping is enabled and `name` is not empty.
void debug_dump(std::string_view name, const Tensor& tensor);

}  // namespace chunkwise::runtime
