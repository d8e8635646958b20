#include "runtime/kv_cache.h"

namespace chunkwise::runtime {

KvCache::KvCache(const KvCacheShape& shape, Device device, DType dtype)
    : shape_(shape), device_(device), dtype_(dtype) {
  if (shape.num_layers < 1 || shape.num_blocks < 1 || shape.block_size < 1 || shape.kv_heads < 1 ||
      shape.head_dim < 1)
    fail(ErrorKind::invalid_input,
         "KV cache: layers ({}), blocks ({}), block size ({}), kv heads ({}) and head dim ({}) must all be "
         ">= 1",
         shape.num_layers, shape.num_blocks, shape.block_size, shape.kv_heads, shape.head_dim);
  if (dtype != DType::f32)
    fail(ErrorKind::unsupported, "KV cache of dtype {}: only f32 for now", to_string(dtype));
  Shape pool = {shape.num_blocks, shape.block_size, shape.kv_heads, shape.head_dim};
  for (int layer = 0; layer < shape.num_layers; ++layer) {
    keys_.push_back(Tensor::empty(pool, dtype, device));
    values_.push_back(Tensor::empty(pool, dtype, device));
  }
}

Tensor& KvCache::keys(int layer) {
  if (layer < 0 || layer >= shape_.num_layers)
    fail(ErrorKind::invalid_input, "KV cache layer {} out of range [0, {})", layer, shape_.num_layers);
  return keys_[size_t(layer)];
}

Tensor& KvCache::values(int layer) {
  if (layer < 0 || layer >= shape_.num_layers)
    fail(ErrorKind::invalid_input, "KV cache layer {} out of range [0, {})", layer, shape_.num_layers);
  return values_[size_t(layer)];
}

size_t KvCache::bytes() const {
  return 2 * size_t(shape_.num_layers) * keys_[0].bytes();
}

}  // namespace chunkwise::runtime
