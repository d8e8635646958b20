#include "runtime/ops/gather_rows.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor gather_rows(const Tensor& x, std::span<const int32_t> rows, std::string_view name) {
  check_defined("gather_rows", "x", x);
  check_rank("gather_rows", "x", x, 1, 8);
  const int64_t n = x.dim(0);
  for (size_t i = 0; i < rows.size(); ++i)
    if (rows[i] < 0 || rows[i] >= n)
      fail(ErrorKind::invalid_input, "gather_rows: row {} (index {}) is outside [0, {})", rows[i], i, n);
  Shape shape = x.shape();
  shape[0] = int64_t(rows.size());
  Tensor out = Tensor::empty(shape, x.dtype(), x.device());
  ScopedOpTimer op_timer("gather_rows");
  switch (x.device()) {
    case Device::cpu:
      cpu::gather_rows(x, rows, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "gather_rows: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
