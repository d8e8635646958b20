#include <algorithm>
#include <atomic>
#include <bit>
#include <climits>
#include <cmath>
#include <cstring>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/cpu/fast_exp.h"
#include "runtime/cpu/transpose_avx512.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

namespace {

// Queries are taken in blocks of up to kQueryBlock consecutive tokens of one sequence, keys in blocks of
// kKeyBlock positions aligned to multiples of kKeyBlock, flash-attention style: per key block, the scores
// of every (query, head) row of the item, then an online softmax update of the rows' running max, sum and
// output. A row's arithmetic depends only on its own query and position, never on the other rows of its
// block: key blocks are aligned to absolute positions and always kKeyBlock wide (positions past the end or
// outside the row's window score -inf and add exact zeros), blocks wholly outside a row's range are skipped.
// Keys are further grouped in segments of kSegment positions (also aligned): each (query block, kv head,
// segment) is a work unit with its own running max, sum and output, and the segments of a row are merged in
// order at the end ("flash-decoding"), so that a single decode token's long row is spread over threads too.
// So a prefill split into chunks of any size gives bit-identical outputs to one whole prefill.
constexpr int64_t kQueryBlock = 8;
constexpr int64_t kKeyBlock = 32;
constexpr int64_t kSegment = 128;  // a multiple of kKeyBlock
// Rows whose scores and outputs are computed together (their multiply-adds overlap instead of waiting on one
// row's sums); each row's own operations and their order stay those of a row alone, so results do not depend
// on which rows share a tile.
constexpr int64_t kRowTile = 4;

// 16 floats as one GCC vector: lowered to the widest registers of the function it is used in (attend_block is
// compiled once per ISA level). Operations are the plain IEEE ones (no contraction in ISO C++ mode), so a
// vector sum is bit-identical to the scalar loop it replaces.
using Vec16 = float __attribute__((vector_size(64)));

struct QueryBlock {
  int64_t first_token = 0;
  int64_t count = 0;
};

struct AttentionScratch {
  std::vector<float> queries, scores, keys_t;
  std::vector<float> zero_key;  // head_dim zeros: the key row of a position past the block's last key
  std::vector<const float*> values;
};

// A work unit's result for its rows: unnormalized outputs [rows][head_dim], then the running max and sum of
// each row (-inf and 0 for a row without keys in the segment).
struct PartialRows {
  float* output;
  float* row_max;
  float* row_sum;
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

// The key range [first, last] that the rows of `block` attend to, together.
std::pair<int64_t, int64_t> key_range(const AttentionProblem& a, const QueryBlock& block) {
  int64_t first_key = INT64_MAX, last_key = 0;
  for (int64_t i = 0; i < block.count; ++i) {
    const int64_t position = a.batch->token_position[size_t(block.first_token + i)];
    const int64_t start = a.sliding_window > 0 ? std::max<int64_t>(0, position - a.sliding_window + 1) : 0;
    first_key = std::min(first_key, start);
    last_key = std::max(last_key, position);
  }
  return {first_key, last_key};
}

// One key block's weighted values added to kRowTile rows' outputs at dimensions [e0, e0 + 16 Chunks):
// o = o * correction + sum_j w_j v_j, for each row the same operations in the same order whatever Chunks is.
// w: the rows' weights, kKeyBlock apart; a key whose four weights are all zero (masked or negligible; its
// value row may not exist) is skipped, and a zero weight among others adds exact zeros, as skipping it would.
template <int Chunks>
[[gnu::always_inline]] inline void add_weighted_values(const float* __restrict w, const float* const* values,
                                                       const float* correction, float* __restrict output,
                                                       int64_t d, int64_t e0) {
  Vec16 acc[kRowTile][Chunks];
  for (int64_t t = 0; t < kRowTile; ++t)
    for (int c = 0; c < Chunks; ++c) {
      std::memcpy(&acc[t][c], output + t * d + e0 + 16 * c, sizeof acc[t][c]);
      acc[t][c] *= correction[t];
    }
  for (int64_t j = 0; j < kKeyBlock; ++j) {
    const float w0 = w[j], w1 = w[kKeyBlock + j], w2 = w[2 * kKeyBlock + j], w3 = w[3 * kKeyBlock + j];
    if (w0 == 0.0f && w1 == 0.0f && w2 == 0.0f && w3 == 0.0f) continue;
    for (int c = 0; c < Chunks; ++c) {
      Vec16 v;
      std::memcpy(&v, values[j] + e0 + 16 * c, sizeof v);
      acc[0][c] += w0 * v;
      acc[1][c] += w1 * v;
      acc[2][c] += w2 * v;
      acc[3][c] += w3 * v;
    }
  }
  for (int64_t t = 0; t < kRowTile; ++t)
    for (int c = 0; c < Chunks; ++c) std::memcpy(output + t * d + e0 + 16 * c, &acc[t][c], sizeof acc[t][c]);
}

// One unit: the query block `block` against kv head `kv_head`, for the `group` query heads that read it, over
// the keys of segment `segment`. Row r = i * group + g is token first_token + i, head kv_head * group + g.
template <bool Avx512>
[[gnu::always_inline]] inline void attend_block(const AttentionProblem& a, const QueryBlock& block,
                                                int64_t kv_head, int64_t segment, AttentionScratch& scratch,
                                                const PartialRows& partial) {
  const int64_t d = a.head_dim, rows = block.count * a.group;
  scratch.queries.resize(size_t(rows * d));
  scratch.scores.resize(size_t(rows * kKeyBlock));
  scratch.keys_t.resize(size_t(d * kKeyBlock));
  scratch.values.resize(size_t(kKeyBlock));
  scratch.zero_key.assign(size_t(d), 0.0f);
  float* __restrict queries = scratch.queries.data();
  float* __restrict scores = scratch.scores.data();
  float* __restrict output = partial.output;
  float* __restrict keys_t = scratch.keys_t.data();
  float* row_max = partial.row_max;
  float* row_sum = partial.row_sum;
  for (int64_t r = 0; r < rows; ++r) {
    row_max[r] = -INFINITY;
    row_sum[r] = 0.0f;
  }
  for (int64_t e = 0; e < rows * d; ++e) output[e] = 0.0f;

  const int32_t sequence = a.batch->token_sequence[size_t(block.first_token)];
  const BlockTable& table = a.batch->block_tables[size_t(sequence)];
  auto [first_key, last_key] = key_range(a, block);
  first_key = std::max(first_key, segment * kSegment);
  last_key = std::min(last_key, (segment + 1) * kSegment - 1);
  for (int64_t i = 0; i < block.count; ++i) {
    for (int64_t g = 0; g < a.group; ++g) {
      const float* q = a.query + ((block.first_token + i) * a.heads + kv_head * a.group + g) * d;
      float* row = queries + (i * a.group + g) * d;
      for (int64_t e = 0; e < d; ++e) row[e] = q[e] * a.scale;
    }
  }

  for (int64_t key0 = first_key / kKeyBlock * kKeyBlock; key0 <= last_key; key0 += kKeyBlock) {
    const int64_t keys_here = std::min(kKeyBlock, last_key - key0 + 1);
    // The block's keys, transposed: keys_t[e * kKeyBlock + j] = key of position key0 + j, dimension e
    // (0 past the last key: its row is scratch.zero_key). Written a dimension at a time, the stores
    // consecutive: row by row (each key's 64 stores 128 bytes apart) a decode step's attention took 1.3-1.45x
    // as long (16 layers of Llama-3.2-1B shape at 544 positions, one and two threads, development machine).
    const float* key_rows[kKeyBlock];
    for (int64_t j = 0; j < kKeyBlock; ++j) {
      if (j >= keys_here) {
        key_rows[j] = scratch.zero_key.data();
        scratch.values[size_t(j)] = nullptr;
        continue;
      }
      const int64_t position = key0 + j;
      const int64_t slot =
          (int64_t(table[size_t(position / a.block_size)]) * a.block_size + position % a.block_size) *
              a.slot_stride +
          kv_head * d;
      key_rows[j] = a.keys + slot;
      scratch.values[size_t(j)] = a.values + slot;
    }
    // Each half of the block whose 16 rows lie at one stride (consecutive slots of the pool: always so
    // within a cache block of 16 or more positions) is read a dimension at a time as a strided gather.
    auto uniform_half = [&](int64_t h) {
      for (int64_t j = 1; j < 16; ++j)
        if (key_rows[h * 16 + j] != key_rows[h * 16] + j * a.slot_stride) return false;
      return true;
    };
    const bool uniform = keys_here == kKeyBlock && uniform_half(0) && uniform_half(1);
    if (Avx512 && uniform && d % 16 == 0) {
      // 16 x 16 transposes in registers (the scalar copy below was half of a decode step's attention).
      if constexpr (Avx512)
        for (int64_t h = 0; h < 2; ++h)
          for (int64_t e0 = 0; e0 < d; e0 += 16)
            transpose_16x16_32bit(reinterpret_cast<const uint32_t*>(key_rows[h * 16] + e0), a.slot_stride,
                                  reinterpret_cast<uint32_t*>(keys_t + e0 * kKeyBlock + h * 16), kKeyBlock);
    } else if (uniform) {
      const int64_t stride = a.slot_stride;
      for (int64_t h = 0; h < 2; ++h) {
        const float* __restrict base = key_rows[h * 16];
        float* __restrict half = keys_t + h * 16;
        for (int64_t e = 0; e < d; ++e)
          for (int64_t j = 0; j < 16; ++j) half[e * kKeyBlock + j] = base[j * stride + e];
      }
    } else {
      for (int64_t e = 0; e < d; ++e)
        for (int64_t j = 0; j < kKeyBlock; ++j) keys_t[e * kKeyBlock + j] = key_rows[j][e];
    }
    for (int64_t r0 = 0; r0 < rows; r0 += kRowTile) {
      const int64_t tile = std::min(kRowTile, rows - r0);
      int64_t position[kRowTile], start[kRowTile];
      bool active[kRowTile];
      bool all_active = tile == kRowTile;
      for (int64_t t = 0; t < tile; ++t) {
        position[t] = a.batch->token_position[size_t(block.first_token + (r0 + t) / a.group)];
        start[t] = a.sliding_window > 0 ? std::max<int64_t>(0, position[t] - a.sliding_window + 1) : 0;
        active[t] = key0 <= position[t] && key0 + kKeyBlock > start[t];  // else wholly outside its range
        all_active = all_active && active[t];
      }
      // Scores q . k of the tile's rows; four rows at once when they are all active.
      if (all_active) {
        Vec16 sum[kRowTile][2] = {};
        for (int64_t e = 0; e < d; ++e) {
          Vec16 k0, k1;
          std::memcpy(&k0, keys_t + e * kKeyBlock, sizeof k0);
          std::memcpy(&k1, keys_t + e * kKeyBlock + 16, sizeof k1);
          for (int64_t t = 0; t < kRowTile; ++t) {
            const float qe = queries[(r0 + t) * d + e];
            sum[t][0] += qe * k0;
            sum[t][1] += qe * k1;
          }
        }
        for (int64_t t = 0; t < kRowTile; ++t) {
          std::memcpy(scores + (r0 + t) * kKeyBlock, &sum[t][0], sizeof sum[t][0]);
          std::memcpy(scores + (r0 + t) * kKeyBlock + 16, &sum[t][1], sizeof sum[t][1]);
        }
      } else {
        for (int64_t t = 0; t < tile; ++t) {
          if (!active[t]) continue;
          float* __restrict s = scores + (r0 + t) * kKeyBlock;
          const float* __restrict q = queries + (r0 + t) * d;
          for (int64_t j = 0; j < kKeyBlock; ++j) s[j] = 0.0f;
          for (int64_t e = 0; e < d; ++e) {
            const float qe = q[e];
            const float* __restrict k = keys_t + e * kKeyBlock;
            for (int64_t j = 0; j < kKeyBlock; ++j) s[j] += qe * k[j];
          }
        }
      }
      // Online softmax per row: the running max, the correction of what was summed so far, the weights.
      float correction[kRowTile];
      for (int64_t t = 0; t < tile; ++t) {
        if (!active[t]) continue;
        const int64_t r = r0 + t;
        float* __restrict s = scores + r * kKeyBlock;
        if (key0 + kKeyBlock - 1 > position[t] || key0 < start[t]) {  // a block on the row's range's edge
          for (int64_t j = 0; j < kKeyBlock; ++j) {
            const int64_t key = key0 + j;
            if (key > position[t] || key < start[t]) s[j] = -INFINITY;
          }
        }
        // The maximum does not depend on the order it is taken in: 16 lanes at a time, then across.
        Vec16 lanes_max, high;
        std::memcpy(&lanes_max, s, sizeof lanes_max);
        std::memcpy(&high, s + 16, sizeof high);
        lanes_max = lanes_max < high ? high : lanes_max;
        float block_max = -INFINITY;
        for (int lane = 0; lane < 16; ++lane) block_max = std::max(block_max, float(lanes_max[lane]));
        const float new_max = std::max(row_max[r], block_max);
        correction[t] = fast_exp(row_max[r] - new_max);  // 0 for the row's first block
        row_max[r] = new_max;
        // The exponentials vectorize; the sum stays in key order.
        for (int64_t j = 0; j < kKeyBlock; ++j) s[j] = fast_exp(s[j] - new_max);
        float sum = 0.0f;
        for (int64_t j = 0; j < kKeyBlock; ++j) sum += s[j];
        row_sum[r] = row_sum[r] * correction[t] + sum;
      }
      // Outputs o = o * correction + sum_j weight_j v_j; with four active rows, 64 dimensions of all four at
      // once with AVX-512's 32 registers (16 otherwise; then 16), each value row loaded once for the four.
      if (all_active && d % 16 == 0) {
        constexpr int OutputChunks = Avx512 ? 4 : 1;
        const float* w = scores + r0 * kKeyBlock;
        float* rows_output = output + r0 * d;
        int64_t e0 = 0;
        for (; e0 + 16 * OutputChunks <= d; e0 += 16 * OutputChunks)
          add_weighted_values<OutputChunks>(w, scratch.values.data(), correction, rows_output, d, e0);
        for (; e0 < d; e0 += 16)
          add_weighted_values<1>(w, scratch.values.data(), correction, rows_output, d, e0);
        continue;
      }
      for (int64_t t = 0; t < tile; ++t) {
        if (!active[t]) continue;
        const float* __restrict s = scores + (r0 + t) * kKeyBlock;
        float* __restrict o = output + (r0 + t) * d;
        for (int64_t e = 0; e < d; ++e) o[e] *= correction[t];
        for (int64_t j = 0; j < kKeyBlock; ++j) {
          const float weight = s[j];
          if (weight == 0.0f) continue;  // masked (its value row may not exist) or negligible
          const float* __restrict v = scratch.values[size_t(j)];
          for (int64_t e = 0; e < d; ++e) o[e] += weight * v[e];
        }
      }
    }
  }
}

#define CHUNKWISE_ATTEND_BLOCK(NAME, TARGET, AVX512)                                                     \
  TARGET void NAME(const AttentionProblem& a, const QueryBlock& block, int64_t kv_head, int64_t segment, \
                   AttentionScratch& scratch, const PartialRows& partial) {                              \
    attend_block<AVX512>(a, block, kv_head, segment, scratch, partial);                                  \
  }
CHUNKWISE_ATTEND_BLOCK(attend_block_avx512, __attribute__((target("avx512f,avx2,fma"))), true)
CHUNKWISE_ATTEND_BLOCK(attend_block_avx2, __attribute__((target("avx2,fma"))), false)
CHUNKWISE_ATTEND_BLOCK(attend_block_baseline, , false)
#undef CHUNKWISE_ATTEND_BLOCK

using AttendBlock = void (*)(const AttentionProblem&, const QueryBlock&, int64_t, int64_t, AttentionScratch&,
                             const PartialRows&);

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

  // 2. Units (query block, kv head, key segment), each into its own partial rows (see attend_block); then
  //    per (query block, kv head) the segments merged in order.
  AttentionProblem problem{q.data<float>(), keys,     values, out.data<float>(), &batch,     heads,
                           kv_heads,        head_dim, group,  slot_stride,       block_size, scale,
                           sliding_window};
  const std::vector<QueryBlock> blocks = query_blocks(batch);
  struct Unit {
    int64_t block, kv_head, segment;
    size_t partial;  // offset of its PartialRows in `partials`
  };
  struct Item {
    size_t first_unit, units;
  };
  // Kept by the calling thread between calls; the workers reach them through these references (a
  // thread_local named inside a lambda would be the worker's own).
  thread_local std::vector<Unit> unit_storage;
  thread_local std::vector<Item> item_storage;
  thread_local std::vector<float> partial_storage;
  std::vector<Unit>& units = unit_storage;
  std::vector<Item>& items = item_storage;
  std::vector<float>& partials = partial_storage;
  units.clear();
  items.clear();
  size_t partial_floats = 0;
  for (size_t b = 0; b < blocks.size(); ++b) {
    const auto [first_key, last_key] = key_range(problem, blocks[b]);
    const int64_t rows = blocks[b].count * group;
    for (int64_t h = 0; h < kv_heads; ++h) {
      items.push_back({units.size(), size_t(last_key / kSegment - first_key / kSegment + 1)});
      for (int64_t segment = first_key / kSegment; segment <= last_key / kSegment; ++segment) {
        units.push_back({int64_t(b), h, segment, partial_floats});
        partial_floats += size_t(rows * (head_dim + 2));
      }
    }
  }
  partials.resize(partial_floats);
  auto partial_of = [&](const Unit& unit) {
    float* base = partials.data() + unit.partial;
    const int64_t rows = blocks[size_t(unit.block)].count * group;
    return PartialRows{base, base + rows * head_dim, base + rows * head_dim + rows};
  };

  static const AttendBlock attend = widest_attend_block();
  // Units are handed out from a shared counter, the last ones (the longest rows) first. Work worth fewer than
  // ~64k multiply-adds in all runs on the caller: waking the pool costs more than a small model's whole
  // attention (and on a busy machine far more).
  int64_t work = 0;
  for (int64_t t = 0; t < tokens; ++t)
    work += (int64_t(batch.token_position[size_t(t)]) + 1) * heads * head_dim;
  const bool serial = work < (int64_t(1) << 16);
  ThreadPool& pool = cpu_thread_pool();
  std::atomic<int64_t> next{0};
  const int64_t unit_count = int64_t(units.size());
  auto run_units = [&](int64_t, int64_t) {
    thread_local AttentionScratch scratch;
    for (int64_t i; (i = next.fetch_add(1, std::memory_order_relaxed)) < unit_count;) {
      const Unit& unit = units[size_t(unit_count - 1 - i)];
      attend(problem, blocks[size_t(unit.block)], unit.kv_head, unit.segment, scratch, partial_of(unit));
    }
  };
  if (serial || unit_count == 1)
    run_units(0, 1);
  else
    pool.parallel_for(std::min<int64_t>(unit_count, pool.num_threads()), 1, run_units);

  auto merge = [&](int64_t begin, int64_t end) {
    for (int64_t i = begin; i < end; ++i) {
      const Item& item = items[size_t(i)];
      const Unit& first = units[item.first_unit];
      const QueryBlock& block = blocks[size_t(first.block)];
      const int64_t rows = block.count * group;
      for (int64_t r = 0; r < rows; ++r) {
        float best = -INFINITY;
        for (size_t u = 0; u < item.units; ++u)
          best = std::max(best, partial_of(units[item.first_unit + u]).row_max[r]);
        float sum = 0.0f;
        const int64_t token = block.first_token + r / group, head = first.kv_head * group + r % group;
        float* o = out.data<float>() + (token * heads + head) * head_dim;
        for (int64_t e = 0; e < head_dim; ++e) o[e] = 0.0f;
        for (size_t u = 0; u < item.units; ++u) {
          const PartialRows partial = partial_of(units[item.first_unit + u]);
          const float weight = fast_exp(partial.row_max[r] - best);  // 0 for a segment without keys
          if (weight == 0.0f) continue;
          sum += partial.row_sum[r] * weight;
          const float* p = partial.output + r * head_dim;
          for (int64_t e = 0; e < head_dim; ++e) o[e] += p[e] * weight;
        }
        const float inverse = 1.0f / sum;
        for (int64_t e = 0; e < head_dim; ++e) o[e] *= inverse;
      }
    }
  };
  const int64_t item_count = int64_t(items.size());
  if (serial)
    merge(0, item_count);
  else
    pool.parallel_for(item_count, std::max<int64_t>(1, item_count / (4 * pool.num_threads())), merge);
}

}  // namespace chunkwise::runtime::cpu
