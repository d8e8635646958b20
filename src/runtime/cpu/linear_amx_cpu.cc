// The AMX product (see linear_amx.h). Layout, with the default AmxLinearPlan's sizes:
//  - Tasks: a block of up to plan.task_rows (128) rows x up to plan.task_columns (256) columns, ranges
//    narrowed (to a multiple of 32) so that every thread gets at least one. A task goes through K one block
//    of plan.k_block_steps 32-input steps at a time (16; 32 with one term): it splits that K block of its
//    rows' f32 inputs into `terms` bf16 tiles (1 KiB each: 16 rows x 32 inputs, rows 64 bytes apart, ordered
//    [16-row block][step][term]; at most 384 KiB) and packs the same K block of its columns' weights into the
//    tiles' pair-interleaved ("VNNI") layout (at most 256 KiB), both into thread-local buffers that stay in
//    L2, then multiplies every 32-row block with every 32 columns, plan.l1_steps steps at a time (default:
//    the whole K block; fewer keep one row block's input tiles in L1 while the columns go by, at the cost of
//    more accumulator stores). Splitting inside the task (each row block once per column range) measured
//    1.25-2.2x faster at 3 terms than one shared split of all inputs up front, whose tiles every task then
//    read from the other cores' caches (and it needed a buffer of rows x K x terms, 24 MiB for the MLP's down
//    projection). (Tiles loaded straight from row-major inputs, 4 KiB apart at K = 2048, fell into one L1
//    set and ran at a third of the speed: hence the copies.)
//  - Micro-kernel: a 32 x 32 block of outputs in four accumulator tiles (0-3); per 32 inputs two weight tiles
//    (6, 7) are loaded and, for each term, two input tiles (4, 5), then four tile products. Between passes
//    the accumulators are stored to and reloaded from the task's f32 buffer (exact: the sums are the same as
//    with one pass over K), written to y with the bias at the end. Every plan therefore adds the same
//    products in the same order. With plan.prefetch, each block's product also prefetches the next block's
//    weight tiles and accumulators into L1 (software prefetches do not change results).
#include <cpuid.h>
#include <immintrin.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "runtime/cpu/linear_amx.h"
#include "runtime/cpu/transpose_avx512.h"

// GCC 12's AVX-512 intrinsics trip -Wmaybe-uninitialized once inlined (see linear_cpu.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "runtime/thread_pool.h"

#define CHUNKWISE_AMX __attribute__((target("amx-tile,amx-bf16,avx512f,avx512bw")))
#define CHUNKWISE_AVX512 __attribute__((target("avx512f,avx512bw")))

namespace chunkwise::runtime::cpu {

namespace {

constexpr int64_t kBlock = 32;          // rows and columns of the micro-kernel's output block
constexpr int64_t kTileElements = 512;  // bf16 elements of one 16 x 32 tile (1 KiB)

// 32-input steps of one K block when the plan leaves it open (the best of 8, 16 and 32 at Llama-3.2-1B's
// prefill shapes on a Xeon with AMX, session 4): a task's split inputs then take 256 KiB (1 term), 256 KiB
// (2) or 384 KiB (3), its packed weights 512 or 256 KiB.
constexpr int64_t default_k_block_steps(int terms) {
  return terms == 1 ? 32 : 16;
}

struct alignas(64) TileConfig {
  uint8_t palette = 1;
  uint8_t start_row = 0;
  uint8_t reserved[14] = {};
  uint16_t bytes_per_row[16] = {};
  uint8_t rows[16] = {};
};

bool detect_amx() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  if (!__get_cpuid_count(7, 0, &eax, &ebx, &ecx, &edx)) return false;
  const bool tile = (edx >> 24) & 1, bf16 = (edx >> 22) & 1;
  if (!tile || !bf16 || !__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw"))
    return false;
  // Linux (5.16+) hands the 8 KiB tile state to a process only on request.
  constexpr long kArchRequestComponentPermission = 0x1023, kTileDataComponent = 18;
  return syscall(SYS_arch_prctl, kArchRequestComponentPermission, kTileDataComponent) == 0;
}

// Splits rows [row0, row0 + 16) x inputs [32 s0, 32 (s0 + count)) of x [rows, k] into `terms` bf16 numbers
// each, written as tiles: the tile of step s0 + s and term t starts at out + (s * terms + t) * kTileElements.
// Padding (rows past `rows`, inputs past k) is zero.
CHUNKWISE_AMX void split_block(const float* x, int64_t rows, int64_t k, int terms, int64_t row0, int64_t s0,
                               int64_t count, uint16_t* out) {
  const __m512i rounding = _mm512_set1_epi32(0x7FFF), one = _mm512_set1_epi32(1);
  for (int64_t row = 0; row < 16; ++row) {
    const int64_t r = row0 + row;
    const float* source = x + r * k;
    for (int64_t i = 32 * s0; i < 32 * (s0 + count); i += 16) {
      const int64_t valid = r < rows ? std::min<int64_t>(16, k - i) : 0;
      const __mmask16 mask = valid >= 16 ? __mmask16(0xFFFF) : valid > 0 ? __mmask16((1u << valid) - 1) : 0;
      __m512 rest = _mm512_maskz_loadu_ps(mask, valid > 0 ? source + i : x);
      uint16_t* first_term = out + ((i / 32 - s0) * terms) * kTileElements + row * 32 + i % 32;
      for (int t = 0; t < terms; ++t) {
        // Round to nearest even: add 0x7FFF plus the lowest kept bit, keep the top 16 bits.
        const __m512i bits = _mm512_castps_si512(rest);
        const __m512i rounded = _mm512_add_epi32(
            bits, _mm512_add_epi32(rounding, _mm512_and_si512(_mm512_srli_epi32(bits, 16), one)));
        const __m512i top = _mm512_srli_epi32(rounded, 16);
        _mm256_storeu_si256(reinterpret_cast<__m256i*>(first_term + t * kTileElements),
                            _mm512_cvtepi32_epi16(top));
        rest = _mm512_sub_ps(rest, _mm512_castsi512_ps(_mm512_slli_epi32(top, 16)));  // exact
      }
    }
  }
}

// See pack_weight_tiles in linear_amx.h.
CHUNKWISE_AVX512 void pack_column_block(const BFloat16* w, int64_t n, int64_t k, int64_t n0, int64_t s0,
                                        int64_t s1, uint16_t* out, AmxLinearPlan::Pack pack) {
  const uint16_t* bits = reinterpret_cast<const uint16_t*>(w);
  const __m512i row_offsets = _mm512_mullo_epi32(
      _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(int(k / 2)));
  for (int64_t h = 0; h < 2; ++h) {
    const int64_t first = n0 + h * 16;
    const bool whole_columns = first + 16 <= n && k % 2 == 0;
    for (int64_t s = s0; s < s1; ++s) {
      uint16_t* tile = out + ((s - s0) * 2 + h) * kTileElements;
      if (whole_columns && 32 * s + 32 <= k) {
        if (pack == AmxLinearPlan::Pack::transpose) {
          // Row p of the tile: the p-th input pair of 16 weight rows, a 16 x 16 transpose of 32-bit pairs.
          transpose_16x16_32bit(reinterpret_cast<const uint32_t*>(bits + first * k + 32 * s), k / 2,
                                reinterpret_cast<uint32_t*>(tile), 16);
          continue;
        }
        // Row p of the tile: the p-th input pair of 16 weight rows, one 32-bit gather.
        const int* base = reinterpret_cast<const int*>(bits + first * k + 32 * s);
        for (int p = 0; p < 16; ++p)
          _mm512_storeu_si512(tile + p * 32, _mm512_i32gather_epi32(row_offsets, base + p, 4));
        continue;
      }
      for (int p = 0; p < 16; ++p)
        for (int c = 0; c < 16; ++c)
          for (int e = 0; e < 2; ++e) {
            const int64_t column = first + c, input = 32 * s + 2 * p + e;
            tile[(p * 16 + c) * 2 + e] = column < n && input < k ? bits[column * k + input] : uint16_t(0);
          }
    }
  }
}

// What the next multiply_block call of a task will load, for AmxLinearPlan::prefetch: its weight tiles (the
// same steps, `b` of that call) and its accumulators (nullptr where that call starts them from zero).
struct NextBlock {
  const uint16_t* b = nullptr;
  const float* acc = nullptr;
};

// Adds the products of `count` steps to the 32 x 32 output block held as four f32 tiles (rows 0-15 x columns
// 0-15, 0-15 x 16-31, 16-31 x 0-15, 16-31 x 16-31; 1 KiB each) at `acc`, which starts from zero when `first`.
// `a`: the split inputs of the first 16-row block (tile of step s and term t at (s * Terms + t) *
// kTileElements), the second block's `second_block` elements further; `b`: the 32 columns' packed weights.
// Prefetches (into L1) what `next` names while the tiles multiply.
template <int Terms>
CHUNKWISE_AMX void multiply_block(const uint16_t* a, int64_t second_block, int64_t count, const uint16_t* b,
                                  float* acc, bool first, NextBlock next) {
  if (next.acc)
    for (int line = 0; line < 64; ++line)
      _mm_prefetch(reinterpret_cast<const char*>(next.acc) + 64 * line, _MM_HINT_T0);
  if (first) {
    _tile_zero(0);
    _tile_zero(1);
    _tile_zero(2);
    _tile_zero(3);
  } else {
    _tile_loadd(0, acc, 64);
    _tile_loadd(1, acc + 256, 64);
    _tile_loadd(2, acc + 512, 64);
    _tile_loadd(3, acc + 768, 64);
  }
  for (int64_t s = 0; s < count; ++s) {
    if (next.b)  // this step's two weight tiles of the next call: 2 KiB
      for (int line = 0; line < 32; ++line)
        _mm_prefetch(reinterpret_cast<const char*>(next.b + s * 2 * kTileElements) + 64 * line, _MM_HINT_T0);
    _tile_loadd(6, b + (s * 2) * kTileElements, 64);
    _tile_loadd(7, b + (s * 2 + 1) * kTileElements, 64);
    for (int t = 0; t < Terms; ++t) {
      const uint16_t* a_tile = a + (s * Terms + t) * kTileElements;
      _tile_loadd(4, a_tile, 64);
      _tile_loadd(5, a_tile + second_block, 64);
      _tile_dpbf16ps(0, 4, 6);
      _tile_dpbf16ps(1, 4, 7);
      _tile_dpbf16ps(2, 5, 6);
      _tile_dpbf16ps(3, 5, 7);
    }
  }
  _tile_stored(0, acc, 64);
  _tile_stored(1, acc + 256, 64);
  _tile_stored(2, acc + 512, 64);
  _tile_stored(3, acc + 768, 64);
}

CHUNKWISE_AMX void load_tile_config() {
  TileConfig config;
  for (int t = 0; t < 8; ++t) {
    config.bytes_per_row[t] = 64;
    config.rows[t] = 16;
  }
  _tile_loadconfig(&config);
}

CHUNKWISE_AMX void release_tiles() {
  _tile_release();
}

// Writes the accumulated 32 x 32 block (tile layout, see multiply_block) to y rows [m0, m0 + 32) and columns
// [c0, c0 + 32), clipped to rows x n, adding the bias: 16 columns (one tile row) at a time.
CHUNKWISE_AVX512 void store_block(const float* acc, const float* bias, float* y, int64_t rows, int64_t n,
                                  int64_t m0, int64_t c0) {
  const int64_t valid_rows = std::min(kBlock, rows - m0), valid_columns = std::min(kBlock, n - c0);
  __mmask16 masks[2];
  __m512 biases[2];
  for (int64_t h = 0; h < 2; ++h) {
    const int64_t valid = std::clamp<int64_t>(valid_columns - 16 * h, 0, 16);
    masks[h] = __mmask16((1u << valid) - 1);
    biases[h] = bias ? _mm512_maskz_loadu_ps(masks[h], bias + c0 + 16 * h) : _mm512_setzero_ps();
  }
  for (int64_t r = 0; r < valid_rows; ++r) {
    float* out = y + (m0 + r) * n + c0;
    const float* tiles = acc + (r / 16) * 512 + (r % 16) * 16;
    for (int64_t h = 0; h < 2; ++h)
      _mm512_mask_storeu_ps(out + 16 * h, masks[h],
                            _mm512_add_ps(_mm512_loadu_ps(tiles + h * 256), biases[h]));
  }
}

uint16_t* aligned_64(std::vector<uint16_t>& storage) {
  return reinterpret_cast<uint16_t*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) & ~uintptr_t(63));
}

template <int Terms>
void linear_amx_terms(const float* x, const BFloat16* w, const float* bias, float* y, int64_t rows, int64_t n,
                      int64_t k, const AmxLinearPlan& plan) {
  ThreadPool& pool = cpu_thread_pool();
  const int64_t steps = (k + 31) / 32;
  const int64_t padded_rows = (rows + kBlock - 1) / kBlock * kBlock;
  const int64_t task_rows = std::min(plan.task_rows, padded_rows);
  const int64_t block_steps = plan.k_block_steps > 0 ? plan.k_block_steps : default_k_block_steps(Terms);
  const int64_t l1_steps = plan.l1_steps > 0 ? plan.l1_steps : block_steps;

  // Tasks: row blocks of up to task_rows x column ranges of up to plan.task_columns, ranges narrowed (to a
  // multiple of 32) so that every thread gets one.
  const int64_t row_tasks = (padded_rows + task_rows - 1) / task_rows;
  const int64_t column_blocks = (n + kBlock - 1) / kBlock;
  const int64_t wanted_ranges = (pool.num_threads() + row_tasks - 1) / row_tasks;
  const int64_t range_blocks =
      std::clamp<int64_t>((column_blocks + wanted_ranges - 1) / wanted_ranges, 1, plan.task_columns / kBlock);
  const int64_t ranges = (column_blocks + range_blocks - 1) / range_blocks;
  const int64_t tasks = row_tasks * ranges;
  std::atomic<int64_t> next{0};
  pool.parallel_for(std::min<int64_t>(tasks, pool.num_threads()), 1, [&](int64_t, int64_t) {
    // Kept between calls: a prefill's products reuse them instead of faulting in new pages each time.
    thread_local std::vector<float> accumulators;
    thread_local std::vector<uint16_t> packed_storage, split_storage;
    accumulators.resize(size_t(task_rows * range_blocks * kBlock));
    const int64_t packed_block = block_steps * 2 * kTileElements;       // one 32-column block's K block
    const int64_t split_block16 = block_steps * Terms * kTileElements;  // one 16-row block's K block
    packed_storage.resize(size_t(range_blocks * packed_block + 32));
    split_storage.resize(size_t(task_rows / 16 * split_block16 + 32));
    uint16_t* packed = aligned_64(packed_storage);
    uint16_t* split = aligned_64(split_storage);
    load_tile_config();
    for (int64_t task; (task = next.fetch_add(1, std::memory_order_relaxed)) < tasks;) {
      const int64_t rb0 = task / ranges * (task_rows / kBlock);
      const int64_t rb1 = std::min(padded_rows / kBlock, rb0 + task_rows / kBlock);
      const int64_t j0 = task % ranges * range_blocks, j1 = std::min(column_blocks, j0 + range_blocks);
      auto block_acc = [&](int64_t rb, int64_t j) {
        return accumulators.data() + ((rb - rb0) * (j1 - j0) + (j - j0)) * kBlock * kBlock;
      };
      for (int64_t s0 = 0; s0 < steps; s0 += block_steps) {
        const int64_t count = std::min(block_steps, steps - s0);
        for (int64_t b = 2 * rb0; b < 2 * rb1; ++b)
          split_block(x, rows, k, Terms, b * 16, s0, count, split + (b - 2 * rb0) * split_block16);
        for (int64_t j = j0; j < j1; ++j)
          pack_column_block(w, n, k, j * kBlock, s0, s0 + count, packed + (j - j0) * packed_block, plan.pack);
        // The weight tiles of block j in the pass from step `pass`.
        auto weights_at = [&](int64_t j, int64_t pass) {
          return packed + (j - j0) * packed_block + pass * 2 * kTileElements;
        };
        for (int64_t pass = 0; pass < count; pass += l1_steps) {
          const int64_t pass_steps = std::min(l1_steps, count - pass);
          for (int64_t rb = rb0; rb < rb1; ++rb)
            for (int64_t j = j0; j < j1; ++j) {
              NextBlock next;
              if (plan.prefetch) {  // the next call: (rb, j + 1), else (rb + 1, j0), else the next pass
                const bool last_column = j + 1 == j1, last_row = rb + 1 == rb1;
                const int64_t next_pass = last_column && last_row ? pass + l1_steps : pass;
                if (next_pass < count) {
                  next.b = weights_at(last_column ? j0 : j + 1, next_pass);
                  if (s0 > 0 || next_pass > 0)
                    next.acc =
                        block_acc(last_column ? (last_row ? rb0 : rb + 1) : rb, last_column ? j0 : j + 1);
                }
              }
              multiply_block<Terms>(split + (rb - rb0) * 2 * split_block16 + pass * Terms * kTileElements,
                                    split_block16, pass_steps, weights_at(j, pass), block_acc(rb, j),
                                    s0 == 0 && pass == 0, next);
            }
        }
      }
      for (int64_t rb = rb0; rb < rb1; ++rb)
        for (int64_t j = j0; j < j1; ++j)
          store_block(block_acc(rb, j), bias, y, rows, n, rb * kBlock, j * kBlock);
    }
    release_tiles();
  });
}

}  // namespace

bool amx_available() {
  static const bool available = detect_amx();
  return available;
}

void linear_bf16_amx(const float* x, const BFloat16* w, const float* bias, float* y, int64_t rows, int64_t n,
                     int64_t k, int terms, const AmxLinearPlan& plan) {
  check_amx_linear_plan(plan);
  switch (terms) {
    case 1:
      return linear_amx_terms<1>(x, w, bias, y, rows, n, k, plan);
    case 2:
      return linear_amx_terms<2>(x, w, bias, y, rows, n, k, plan);
    default:
      return linear_amx_terms<3>(x, w, bias, y, rows, n, k, plan);
  }
}

void pack_weight_tiles(const BFloat16* w, int64_t n, int64_t k, int64_t n0, int64_t s0, int64_t s1,
                       uint16_t* out, AmxLinearPlan::Pack pack) {
  pack_column_block(w, n, k, n0, s0, s1, out, pack);
}

}  // namespace chunkwise::runtime::cpu
