#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

namespace {

// a·b with 16 independent partial sums, which the compiler vectorizes (a single running sum is a chain of
// dependent adds it may not reorder).
inline float dot(const float* a, const float* b, int64_t n) {
  float partial[16] = {};
  int64_t d = 0;
  for (; d + 16 <= n; d += 16)
    for (int i = 0; i < 16; ++i) partial[i] += a[d + i] * b[d + i];
  for (int i = 0; i < 8; ++i) partial[i] += partial[i + 8];
  for (int i = 0; i < 4; ++i) partial[i] += partial[i + 4];
  float sum = (partial[0] + partial[2]) + (partial[1] + partial[3]);
  for (; d < n; ++d) sum += a[d] * b[d];
  return sum;
}

}  // namespace

void paged_attention(const Tensor& q, const Tensor& k, const Tensor& v, Tensor& key_pool, Tensor& value_pool,
                     int block_size, const AttentionBatch& batch, float scale, int sliding_window,
                     Tensor& out) {
  int64_t tokens = q.dim(0);
  int64_t heads = q.dim(1);
  int64_t kv_heads = k.dim(1);
  int64_t head_dim = q.dim(2);
  int64_t group = heads / kv_heads;
  int64_t slot_stride = kv_heads * head_dim;  // floats per cached token
  float* keys = key_pool.data<float>();
  float* values = value_pool.data<float>();
  auto slot_of = [&](int32_t sequence, int64_t position) {
    const BlockTable& table = batch.block_tables[size_t(sequence)];
    return (int64_t(table[size_t(position / block_size)]) * block_size + position % block_size) * slot_stride;
  };

  // 1. The batch's new keys and values into their slots.
  for (int64_t t = 0; t < tokens; ++t) {
    int64_t slot = slot_of(batch.token_sequence[size_t(t)], batch.token_position[size_t(t)]);
    std::memcpy(keys + slot, k.data<float>() + t * slot_stride, size_t(slot_stride) * sizeof(float));
    std::memcpy(values + slot, v.data<float>() + t * slot_stride, size_t(slot_stride) * sizeof(float));
  }

  // 2. Each (token, head): softmax(q·K / sqrt(d)) · V over positions [start, p] of its sequence.
  const float* query = q.data<float>();
  float* output = out.data<float>();
  // Items worth fewer than ~64k multiply-adds together run on the caller: waking the pool costs more than a
  // small model's whole attention (and on a busy machine far more).
  int64_t attended = 0;
  for (int64_t t = 0; t < tokens; ++t) attended += int64_t(batch.token_position[size_t(t)]) + 1;
  const int64_t work_per_item = std::max<int64_t>(1, attended / std::max<int64_t>(tokens, 1) * head_dim * 2);
  const int64_t min_items = std::max<int64_t>(1, (int64_t(1) << 16) / work_per_item);
  cpu_thread_pool().parallel_for(tokens * heads, min_items, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    std::vector<float> accumulator(static_cast<size_t>(head_dim));
    for (int64_t item = begin; item < end; ++item) {
      int64_t t = item / heads;
      int64_t h = item % heads;
      int64_t kv_head = h / group;
      int32_t sequence = batch.token_sequence[size_t(t)];
      int64_t position = batch.token_position[size_t(t)];
      int64_t start = sliding_window > 0 ? std::max<int64_t>(0, position - sliding_window + 1) : 0;
      int64_t length = position - start + 1;
      const float* q_row = query + (t * heads + h) * head_dim;
      const BlockTable& table = batch.block_tables[size_t(sequence)];
      // Calls visit(j, offset of the slot's kv head) for positions start + j, j in [0, length): a block's
      // slots are contiguous, so the block table is read once per block, not once per position.
      auto for_each_slot = [&](auto&& visit) {
        for (int64_t j = 0; j < length;) {
          int64_t position = start + j;
          int64_t offset = position % block_size;
          int64_t run = std::min<int64_t>(block_size - offset, length - j);
          int64_t slot = (int64_t(table[size_t(position / block_size)]) * block_size + offset) * slot_stride +
                         kv_head * head_dim;
          for (int64_t r = 0; r < run; ++r) visit(j + r, slot + r * slot_stride);
          j += run;
        }
      };
      scores.resize(size_t(length));
      float max_score = -INFINITY;
      for_each_slot([&](int64_t j, int64_t slot) {
        scores[size_t(j)] = dot(q_row, keys + slot, head_dim) * scale;
        max_score = std::max(max_score, scores[size_t(j)]);
      });
      double sum = 0;
      for (float& s : scores) {
        s = std::exp(s - max_score);
        sum += s;
      }
      std::fill(accumulator.begin(), accumulator.end(), 0.0f);
      float* acc = accumulator.data();
      for_each_slot([&](int64_t j, int64_t slot) {
        const float* v_row = values + slot;
        float weight = scores[size_t(j)];
        for (int64_t d = 0; d < head_dim; ++d) acc[d] += weight * v_row[d];
      });
      float inverse = float(1.0 / sum);
      float* o_row = output + (t * heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) o_row[d] = accumulator[size_t(d)] * inverse;
    }
  });
}

}  // namespace chunkwise::runtime::cpu
