#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

void check_defined(std::string_view op, std::string_view what, const Tensor& t) {
  if (!t.defined()) fail(ErrorKind::invalid_input, "{}: {} is an empty (undefined) tensor", op, what);
}

void check_dtype(std::string_view op, std::string_view what, const Tensor& t, DType dtype) {
  check_defined(op, what, t);
  if (t.dtype() != dtype)
    fail(ErrorKind::invalid_input, "{}: {} must be {}, got {} {}", op, what, to_string(dtype),
         to_string(t.dtype()), to_string(t.shape()));
}

void check_float_dtype(std::string_view op, std::string_view what, const Tensor& t) {
  check_defined(op, what, t);
  if (t.dtype() == DType::i32)
    fail(ErrorKind::invalid_input, "{}: {} must be f32, f16 or bf16, got i32 {}", op, what,
         to_string(t.shape()));
}

void check_rank(std::string_view op, std::string_view what, const Tensor& t, int min_rank, int max_rank) {
  if (t.rank() < min_rank || t.rank() > max_rank) {
    if (min_rank == max_rank)
      fail(ErrorKind::invalid_input, "{}: {} must have {} dimensions, got shape {}", op, what, min_rank,
           to_string(t.shape()));
    fail(ErrorKind::invalid_input, "{}: {} must have {} to {} dimensions, got shape {}", op, what, min_rank,
         max_rank, to_string(t.shape()));
  }
}

void check_same_shape(std::string_view op, std::string_view what_a, const Tensor& a, std::string_view what_b,
                      const Tensor& b) {
  if (a.shape() != b.shape())
    fail(ErrorKind::invalid_input, "{}: {} {} and {} {} must have the same shape", op, what_a,
         to_string(a.shape()), what_b, to_string(b.shape()));
}

void check_same_device(std::string_view op, std::string_view what, const Tensor& t, Device device) {
  if (t.device() != device)
    fail(ErrorKind::invalid_input, "{}: {} is on {} but the op runs on {}", op, what, to_string(t.device()),
         to_string(device));
}

}  // namespace chunkwise::runtime
