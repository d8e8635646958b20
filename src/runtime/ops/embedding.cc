#include "runtime/ops/embedding.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

Tensor embedding(const Tensor& ids, const Tensor& weight, std::string_view name) {
  check_dtype("embedding", "ids", ids, DType::i32);
  check_rank("embedding", "ids", ids, 1, 1);
  check_float_dtype("embedding", "weight", weight);
  check_rank("embedding", "weight", weight, 2, 2);
  check_same_device("embedding", "weight", weight, ids.device());
  Tensor out = Tensor::empty({ids.dim(0), weight.dim(1)}, DType::f32, ids.device());
  ScopedOpTimer op_timer("embedding");
  switch (ids.device()) {
    case Device::cpu:
      cpu::embedding(ids, weight, out);
      break;  // checks the id range while gathering
    case Device::cuda:
      fail(ErrorKind::unsupported, "embedding: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
