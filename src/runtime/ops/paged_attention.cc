#include "runtime/ops/paged_attention.h"

#include <cmath>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

namespace {

// [T, H * D] or [T, H, D] → H, given D.
int64_t head_count(const char* what, const Tensor& t, int64_t head_dim) {
  check_dtype("paged_attention", what, t, DType::f32);
  check_rank("paged_attention", what, t, 2, 3);
  bool ok = t.rank() == 2 ? t.dim(1) % head_dim == 0 && t.dim(1) > 0 : t.dim(2) == head_dim && t.dim(1) > 0;
  if (!ok)
    fail(ErrorKind::invalid_input,
         "paged_attention: {} {} is not [tokens, heads * {}] or [tokens, heads, {}]", what,
         to_string(t.shape()), head_dim, head_dim);
  return t.rank() == 2 ? t.dim(1) / head_dim : t.dim(1);
}

void check_batch(const AttentionBatch& batch, int64_t tokens, const KvCacheShape& cache) {
  if (int64_t(batch.token_sequence.size()) != tokens || int64_t(batch.token_position.size()) != tokens)
    fail(ErrorKind::invalid_input,
         "paged_attention: batch describes {} token sequences and {} token positions for {} query tokens",
         batch.token_sequence.size(), batch.token_position.size(), tokens);
  for (const BlockTable& table : batch.block_tables)
    for (int32_t block : table)
      if (block < 0 || block >= cache.num_blocks)
        fail(ErrorKind::invalid_input, "paged_attention: block id {} out of range [0, {})", block,
             cache.num_blocks);
  for (int64_t t = 0; t < tokens; ++t) {
    int32_t s = batch.token_sequence[size_t(t)];
    int32_t p = batch.token_position[size_t(t)];
    if (s < 0 || size_t(s) >= batch.block_tables.size())
      fail(ErrorKind::invalid_input,
           "paged_attention: token {} belongs to sequence {} but the batch has {} block tables", t, s,
           batch.block_tables.size());
    if (p < 0) fail(ErrorKind::invalid_input, "paged_attention: token {} has negative position {}", t, p);
    size_t needed = size_t(p / cache.block_size) + 1;
    if (batch.block_tables[size_t(s)].size() < needed)
      fail(ErrorKind::invalid_input,
           "paged_attention: token {} at position {} of sequence {} needs {} blocks of {} but its block "
           "table has {}",
           t, p, s, needed, cache.block_size, batch.block_tables[size_t(s)].size());
  }
}

}  // namespace

Tensor paged_attention(const Tensor& q, const Tensor& k, const Tensor& v, KvCache& cache, int layer,
                       const AttentionBatch& batch, const AttentionOptions& options, std::string_view name) {
  const KvCacheShape& shape = cache.shape();
  int64_t heads = head_count("query", q, shape.head_dim);
  int64_t kv_heads = head_count("key", k, shape.head_dim);
  head_count("value", v, shape.head_dim);
  check_same_shape("paged_attention", "key", k, "value", v);
  if (k.dim(0) != q.dim(0))
    fail(ErrorKind::invalid_input, "paged_attention: query {} and key {} have different token counts",
         to_string(q.shape()), to_string(k.shape()));
  if (kv_heads != shape.kv_heads)
    fail(ErrorKind::invalid_input,
         "paged_attention: key {} has {} heads but the cache holds {} kv heads of {}", to_string(k.shape()),
         kv_heads, shape.kv_heads, shape.head_dim);
  if (heads % kv_heads != 0)
    fail(ErrorKind::invalid_input, "paged_attention: {} query heads is not a multiple of {} kv heads", heads,
         kv_heads);
  check_same_device("paged_attention", "key", k, q.device());
  check_same_device("paged_attention", "value", v, q.device());
  if (cache.device() != q.device())
    fail(ErrorKind::invalid_input, "paged_attention: KV cache is on {} but the query on {}",
         to_string(cache.device()), to_string(q.device()));
  if (options.sliding_window < 0)
    fail(ErrorKind::invalid_input, "paged_attention: sliding window must be >= 0, got {}",
         options.sliding_window);
  if (!(options.scale >= 0) || std::isinf(options.scale))
    fail(ErrorKind::invalid_input, "paged_attention: scale must be finite and >= 0, got {}", options.scale);
  check_batch(batch, q.dim(0), shape);
  Tensor& key_pool = cache.keys(layer);
  Tensor& value_pool = cache.values(layer);
  float scale = options.scale != 0 ? options.scale : float(1.0 / std::sqrt(double(shape.head_dim)));
  int64_t tokens = q.dim(0);
  Tensor out = Tensor::empty({tokens, heads * shape.head_dim}, DType::f32, q.device());
  ScopedOpTimer op_timer("paged_attention");
  switch (q.device()) {
    case Device::cpu:
      cpu::paged_attention(q.reshape({tokens, heads, shape.head_dim}),
                           k.reshape({tokens, kv_heads, shape.head_dim}),
                           v.reshape({tokens, kv_heads, shape.head_dim}), key_pool, value_pool,
                           shape.block_size, batch, scale, options.sliding_window, out);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "paged_attention: CUDA backend not built");
  }
  debug_dump(name, out);
  return out;
}

}  // namespace chunkwise::runtime
