#include <cstring>

#include "runtime/cpu/cpu_ops.h"

namespace chunkwise::runtime::cpu {

void gather_rows(const Tensor& x, std::span<const int32_t> rows, Tensor& out) {
  const size_t row_bytes = x.dim(0) == 0 ? 0 : x.bytes() / size_t(x.dim(0));
  const char* source = static_cast<const char*>(x.raw_data());
  char* target = static_cast<char*>(out.raw_data());
  for (size_t i = 0; i < rows.size(); ++i)
    std::memcpy(target + i * row_bytes, source + size_t(rows[i]) * row_bytes, row_bytes);
}

}  // namespace chunkwise::runtime::cpu
