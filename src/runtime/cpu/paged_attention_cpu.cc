#include <algorithm>
#include <atomic>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

namespace {

// Queries are taken in blocks of up to kQueryBlock consecutive tokens of one sequence, keys in blocks of
// kKeyBlock positions aligned to multiples of kKeyBlock, flash-attention style: per key block, the scores
// of every (query, head) row of the item, then an online softmax update of the rows' running max, sum and
// output. A row's arithmetic depends only on its own query and position, never on the other rows of its
// block: key blocks are aligned to absolute positions and always kKeyBlock wide (positions past the end or
// outside the row's window score -inf and add exact zeros), blocks wholly outside a row's range are skipped.
// So a prefill split into chunks of any size gives bit-identical outputs to one whole prefill.
constexpr int64_t kQueryBlock = 8;
constexpr int64_t kKeyBlock = 32;

// exp(x) to ~2 ulp for the softmax, written so that the compiler vectorizes it: x = n ln2 + r with
// |r| <= ln2 / 2, exp(r) by a degree-6 polynomial, 2^n through the exponent bits. Below -87: 0.
[[gnu::always_inline]] inline float softmax_exp(float x) {
  const float clamped = std::max(x, -87.0f);
  const float n = (clamped * 1.44269504088896341f + 12582912.0f) - 12582912.0f;  // round to nearest
  const float r = (clamped - n * 0.693145751953125f) - n * 1.428606765330187e-06f;
  float p = 1.0f / 720;
  p = p * r + 1.0f / 120;
  p = p * r + 1.0f / 24;
  p = p * r + 1.0f / 6;
  p = p * r + 0.5f;
  p = p * r + 1.0f;
  p = p * r + 1.0f;
  const float scale = std::bit_cast<float>((int32_t(n) + 127) << 23);
  return x < -87.0f ? 0.0f : p * scale;
}

struct QueryBlock {
  int64_t first_token = 0;
  int64_t count = 0;
};

struct AttentionScratch {
  std::vector<float> queries, scores, output, keys_t, row_max, row_sum;
  std::vector<const float*> values;
};

struct AttentionProblem {
  const float* query;
  const float* keys;
  const float* values;
  float* output;
  const AttentionBatch* batch;
  int64_t heads, kv_heads, head_dim, group, slot_stride, block_size;
  float scale;
  int sliding_window;
};

// One item: the query block `block` against kv head `kv_head`, for the `group` query heads that read it.
// Row r = i * group + g is token first_token + i, head kv_head * group + g.
[[gnu::always_inline]] inline void attend_block(const AttentionProblem& a, const QueryBlock& block,
                                                int64_t kv_head, AttentionScratch& scratch) {
  const int64_t d = a.head_dim, rows = block.count * a.group;
  scratch.queries.resize(size_t(rows * d));
  scratch.scores.resize(size_t(rows * kKeyBlock));
  scratch.output.assign(size_t(rows * d), 0.0f);
  scratch.keys_t.resize(size_t(d * kKeyBlock));
  scratch.row_max.assign(size_t(rows), -INFINITY);
  scratch.row_sum.assign(size_t(rows), 0.0f);
  scratch.values.resize(size_t(kKeyBlock));
  float* __restrict queries = scratch.queries.data();
  float* __restrict scores = scratch.scores.data();
  float* __restrict output = scratch.output.data();
  float* __restrict keys_t = scratch.keys_t.data();
  float* row_max = scratch.row_max.data();
  float* row_sum = scratch.row_sum.data();

  const int32_t sequence = a.batch->token_sequence[size_t(block.first_token)];
  const BlockTable& table = a.batch->block_tables[size_t(sequence)];
  int64_t first_key = INT64_MAX, last_key = 0;
  for (int64_t i = 0; i < block.count; ++i) {
    const int64_t position = a.batch->token_position[size_t(block.first_token + i)];
    const int64_t start = a.sliding_window > 0 ? std::max<int64_t>(0, position - a.sliding_window + 1) : 0;
    first_key = std::min(first_key, start);
    last_key = std::max(last_key, position);
    for (int64_t g = 0; g < a.group; ++g) {
      const float* q = a.query + ((block.first_token + i) * a.heads + kv_head * a.group + g) * d;
      float* row = queries + (i * a.group + g) * d;
      for (int64_t e = 0; e < d; ++e) row[e] = q[e] * a.scale;
    }
  }

  for (int64_t key0 = first_key / kKeyBlock * kKeyBlock; key0 <= last_key; key0 += kKeyBlock) {
    const int64_t keys_here = std::min(kKeyBlock, last_key - key0 + 1);
    // The block's keys, transposed: keys_t[e * kKeyBlock + j] = key of position key0 + j, dimension e.
    for (int64_t j = 0; j < kKeyBlock; ++j) {
      if (j >= keys_here) {
        for (int64_t e = 0; e < d; ++e) keys_t[e * kKeyBlock + j] = 0.0f;
        scratch.values[size_t(j)] = nullptr;
        continue;
      }
      const int64_t position = key0 + j;
      const int64_t slot =
          (int64_t(table[size_t(position / a.block_size)]) * a.block_size + position % a.block_size) *
              a.slot_stride +
          kv_head * d;
      const float* key = a.keys + slot;
      for (int64_t e = 0; e < d; ++e) keys_t[e * kKeyBlock + j] = key[e];
      scratch.values[size_t(j)] = a.values + slot;
    }
    for (int64_t r = 0; r < rows; ++r) {
      const int64_t position = a.batch->token_position[size_t(block.first_token + r / a.group)];
      const int64_t start = a.sliding_window > 0 ? std::max<int64_t>(0, position - a.sliding_window + 1) : 0;
      if (key0 > position || key0 + kKeyBlock <= start) continue;  // wholly outside this row's range
      float* __restrict s = scores + r * kKeyBlock;
      const float* __restrict q = queries + r * d;
      for (int64_t j = 0; j < kKeyBlock; ++j) s[j] = 0.0f;
      for (int64_t e = 0; e < d; ++e) {
        const float qe = q[e];
        const float* __restrict k = keys_t + e * kKeyBlock;
        for (int64_t j = 0; j < kKeyBlock; ++j) s[j] += qe * k[j];
      }
      float block_max = -INFINITY;
      for (int64_t j = 0; j < kKeyBlock; ++j) {
        const int64_t key = key0 + j;
        if (key > position || key < start) s[j] = -INFINITY;
        block_max = std::max(block_max, s[j]);
      }
      const float new_max = std::max(row_max[r], block_max);
      const float correction = softmax_exp(row_max[r] - new_max);  // 0 for the row's first block
      row_max[r] = new_max;
      float sum = 0.0f;
      for (int64_t j = 0; j < kKeyBlock; ++j) {
        s[j] = softmax_exp(s[j] - new_max);
        sum += s[j];
      }
      row_sum[r] = row_sum[r] * correction + sum;
      float* __restrict o = output + r * d;
      for (int64_t e = 0; e < d; ++e) o[e] *= correction;
      for (int64_t j = 0; j < kKeyBlock; ++j) {
        const float weight = s[j];
        if (weight == 0.0f) continue;  // masked (its value row may not exist) or negligible
        const float* __restrict v = scratch.values[size_t(j)];
        for (int64_t e = 0; e < d; ++e) o[e] += weight * v[e];
      }
    }
  }

  for (int64_t r = 0; r < rows; ++r) {
    const int64_t token = block.first_token + r / a.group, head = kv_head * a.group + r % a.group;
    const float inverse = 1.0f / row_sum[r];
    float* out = a.output + (token * a.heads + head) * d;
    const float* o = output + r * d;
    for (int64_t e = 0; e < d; ++e) out[e] = o[e] * inverse;
  }
}

__attribute__((target("avx512f,avx2,fma"))) void attend_block_avx512(const AttentionProblem& a,
                                                                     const QueryBlock& block, int64_t kv_head,
                                                                     AttentionScratch& scratch) {
  attend_block(a, block, kv_head, scratch);
}

__attribute__((target("avx2,fma"))) void attend_block_avx2(const AttentionProblem& a, const QueryBlock& block,
                                                           int64_t kv_head, AttentionScratch& scratch) {
  attend_block(a, block, kv_head, scratch);
}

void attend_block_baseline(const AttentionProblem& a, const QueryBlock& block, int64_t kv_head,
                           AttentionScratch& scratch) {
  attend_block(a, block, kv_head, scratch);
}

using AttendBlock = void (*)(const AttentionProblem&, const QueryBlock&, int64_t, AttentionScratch&);

AttendBlock widest_attend_block() {
  if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return attend_block_avx512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return attend_block_avx2;
  return attend_block_baseline;
}

// Consecutive tokens of one sequence, up to kQueryBlock at a time.
std::vector<QueryBlock> query_blocks(const AttentionBatch& batch) {
  std::vector<QueryBlock> blocks;
  const int64_t tokens = int64_t(batch.token_sequence.size());
  for (int64_t t = 0; t < tokens; ++t) {
    if (!blocks.empty()) {
      QueryBlock& last = blocks.back();
      if (last.count < kQueryBlock &&
          batch.token_sequence[size_t(t)] == batch.token_sequence[size_t(t - 1)]) {
        ++last.count;
        continue;
      }
    }
    blocks.push_back({t, 1});
  }
  return blocks;
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

  // 2. Each (query block, kv head): the rows of its query heads against their keys (see attend_block).
  AttentionProblem problem{q.data<float>(), keys,     values, out.data<float>(), &batch,     heads,
                           kv_heads,        head_dim, group,  slot_stride,       block_size, scale,
                           sliding_window};
  const std::vector<QueryBlock> blocks = query_blocks(batch);
  const int64_t items = int64_t(blocks.size()) * kv_heads;
  static const AttendBlock attend = widest_attend_block();
  // Items are handed out from a shared counter, the last query blocks (the longest rows) first. Items worth
  // fewer than ~64k multiply-adds in all run on the caller: waking the pool costs more than a small model's
  // whole attention (and on a busy machine far more).
  int64_t work = 0;
  for (int64_t t = 0; t < tokens; ++t)
    work += (int64_t(batch.token_position[size_t(t)]) + 1) * heads * head_dim;
  std::atomic<int64_t> next{0};
  auto run_items = [&](int64_t, int64_t) {
    thread_local AttentionScratch scratch;
    for (int64_t item; (item = next.fetch_add(1, std::memory_order_relaxed)) < items;) {
      const int64_t reversed = items - 1 - item;
      attend(problem, blocks[size_t(reversed / kv_heads)], reversed % kv_heads, scratch);
    }
  };
  ThreadPool& pool = cpu_thread_pool();
  if (work < (int64_t(1) << 16) || items == 1)
    run_items(0, 1);
  else
    pool.parallel_for(std::min<int64_t>(items, pool.num_threads()), 1, run_items);
}

}  // namespace chunkwise::runtime::cpu
