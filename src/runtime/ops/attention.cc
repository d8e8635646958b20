#include "runtime/ops/attention.h"

#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

namespace {

// [T, H * head_dim] → H.
int64_t head_count(const char* what, const Tensor& t, int64_t head_dim) {
  check_dtype("attention", what, t, DType::f32);
  check_rank("attention", what, t, 2, 2);
  if (t.dim(1) == 0 || t.dim(1) % head_dim != 0)
    fail(ErrorKind::invalid_input, "attention: {} {} is not [tokens, heads * {}]", what, to_string(t.shape()),
         head_dim);
  return t.dim(1) / head_dim;
}

void check_offsets(std::span<const int32_t> offsets, int64_t tokens) {
  if (offsets.size() < 2 || offsets.front() != 0 || offsets.back() != tokens)
    fail(ErrorKind::invalid_input,
         "attention: sequence offsets must start at 0 and end at the token count {} (got {} offsets)", tokens,
         offsets.size());
  for (size_t s = 1; s < offsets.size(); ++s)
    if (offsets[s] < offsets[s - 1])
      fail(ErrorKind::invalid_input, "attention: sequence offsets decrease at {} ({} after {})", s,
           offsets[s], offsets[s - 1]);
}

}  // namespace

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, int64_t head_dim,
                 std::span<const int32_t> sequence_offsets, float scale, std::string_view name) {
  if (head_dim <= 0) fail(ErrorKind::invalid_input, "attention: head_dim must be > 0, got {}", head_dim);
  const int64_t heads = head_count("query", q, head_dim);
  const int64_t kv_heads = head_count("key", k, head_dim);
  head_count("value", v, head_dim);
  check_same_shape("attention", "key", k, "value", v);
  if (k.dim(0) != q.dim(0))
    fail(ErrorKind::invalid_input, "attention: query {} and key {} have different token counts",
         to_string(q.shape()), to_string(k.shape()));
  if (heads % kv_heads != 0)
    fail(ErrorKind::invalid_input, "attention: {} query heads is not a multiple of {} kv heads", heads,
         kv_heads);
  check_same_device("attention", "key", k, q.device());
  check_same_device("attention", "value", v, q.device());
  if (!(scale >= 0) || std::isinf(scale))
    fail(ErrorKind::invalid_input, "attention: scale must be finite and >= 0, got {}", scale);
  check_offsets(sequence_offsets, q.dim(0));
  const float used_scale = scale != 0 ? scale : float(1.0 / std::sqrt(double(head_dim)));
  const int64_t tokens = q.dim(0);
  Tensor out = Tensor::empty({tokens, heads * head_dim}, DType::f32, q.device());
  ScopedOpTimer op_timer("attention");
  switch (q.device()) {
    case Device::cpu:
      cpu::attention(q.reshape({tokens, heads, head_dim}), k.reshape({tokens, kv_heads, head_dim}),
                     v.reshape({tokens, kv_heads, head_dim}), sequence_offsets, used_scale, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "attention: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
