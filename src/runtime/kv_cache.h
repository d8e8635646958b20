// Key/value cache in fixed-size blocks: per layer, K and V pools of [num_blocks, block_size, kv_heads,
// head_dim]. Token at position p of a sequence lives in block block_table[p / block_size], slot p %
// block_size. Which blocks a sequence owns is decided by the caller (the serving engine's allocator); this is
// only the storage.
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

using BlockTable = std::vector<int32_t>;  // block ids of one sequence, in position order

struct KvCacheShape {
  int num_layers = 0;
  int num_blocks = 0;
  int block_size = 16;
  int kv_heads = 0;
  int head_dim = 0;
};

class KvCache {
 public:
  // Allocates the pools (uninitialized; a slot is only read after it was written). dtype: f32 for now.
  KvCache(const KvCacheShape& shape, Device device = Device::cpu, DType dtype = DType::f32);

  const KvCacheShape& shape() const { return shape_; }
  Device device() const { return device_; }
  DType dtype() const { return dtype_; }
  Tensor& keys(int layer);
  Tensor& values(int layer);
  size_t bytes() const;

 private:
  KvCacheShape shape_;
  Device device_;
  DType dtype_;
  std::vector<Tensor> keys_;
  std::vector<Tensor> values_;
};

}  // namespace chunkwise::runtime
