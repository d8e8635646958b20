#include "runtime/ops/add.h"

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

static void check_add(const Tensor& a, const Tensor& b) {
  check_dtype("add", "a", a, DType::f32);
  check_dtype("add", "b", b, DType::f32);
  check_same_shape("add", "a", a, "b", b);
  check_same_device("add", "b", b, a.device());
}

void add_inplace(Tensor& a, const Tensor& b, std::string_view name) {
  check_add(a, b);
  ScopedOpTimer op_timer("add");
  switch (a.device()) {
    case Device::cpu:
      cpu::add(a, b, a);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "add: CUDA backend not built");
  }
  debug_dump(name, a);
}

Tensor add(const Tensor& a, const Tensor& b, std::string_view name) {
  check_add(a, b);
  Tensor out = Tensor::empty(a.shape(), DType::f32, a.device());
  ScopedOpTimer op_timer("add");
  switch (a.device()) {
    case Device::cpu:
      cpu::add(a, b, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "add: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
