// y[T, N] = x[T, K] · W[N, K]ᵀ (+ bias) with W in f32, f16 or bf16.
//  - Few rows (decode): GEMV-style, 8 (then 4) weight rows at a time against every input row, each weight
//    row read from memory once and converted in registers; threads split N. Bandwidth bound.
//  - Many rows (prefill): blocked GEMM. Per thread, a block of kNC output columns and kKC inputs of W is
//    converted and packed into f32 column strips, the inputs into row tiles, and a register-tile
//    micro-kernel (6x16 AVX2, 12x32 AVX-512) runs over all rows. Compute bound.
// The widest kernels the CPU has are chosen at run time; a scalar loop covers CPUs without AVX2/FMA/F16C.
#include <cpuid.h>
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics (_mm512_cvtepu16_epi32, _mm512_reduce_add_ps, ...) start from
// _mm512_undefined_*() values and trip -Wuninitialized once inlined: a known false positive. (clang, which
// builds the fuzz targets, neither has the false positive nor knows -Wmaybe-uninitialized.)
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <atomic>
#include <utility>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/cpu/linear_amx.h"
#include "runtime/thread_pool.h"

#define CHUNKWISE_AVX2 __attribute__((target("avx2,fma,f16c")))
#define CHUNKWISE_AVX512 __attribute__((target("avx512f,avx2,fma,f16c")))

namespace chunkwise::runtime::cpu {

namespace {

constexpr int64_t gemv_max_rows = 8;  // below this many input rows, the GEMV path (no packing)
constexpr int64_t amx_min_rows =
    32;                       // from this many rows, bf16 weights go to the AMX tiles if there are any
constexpr int64_t kKC = 256;  // K block of the GEMM (128 measured the same)
constexpr int64_t kNC = 128;  // N block per task: a packed f32 panel of kNC x kKC is 128 KiB (L2)
constexpr int64_t kMC = 384;  // input rows packed at a time: 384 KiB (L2)
constexpr int64_t kGemvTaskBytes = 64 << 10;  // weights per GEMV task

// Weight rows per GEMV task, in groups of 4 rows: about kGemvTaskBytes of W, an even number of groups (so
// that the 8-row loop covers a task whole).
int64_t gemv_task_groups(int64_t k, size_t weight_bytes) {
  const int64_t groups = std::max<int64_t>(1, kGemvTaskBytes / (4 * k * int64_t(weight_bytes)));
  return (groups + 1) / 2 * 2;
}

// F16C through cpuid: clang's __builtin_cpu_supports does not know "f16c".
bool cpu_has_f16c() {
  unsigned eax = 0, ebx = 0, ecx = 0, edx = 0;
  return __get_cpuid(1, &eax, &ebx, &ecx, &edx) && (ecx & bit_F16C) != 0;
}

CpuIsa detected_isa() {
  if (!__builtin_cpu_supports("avx2") || !__builtin_cpu_supports("fma") || !cpu_has_f16c())
    return CpuIsa::scalar;
  if (!__builtin_cpu_supports("avx512f")) return CpuIsa::avx2;
  return amx_available() ? CpuIsa::amx : CpuIsa::avx512;
}

std::atomic<CpuIsa> isa_limit{CpuIsa::amx};

CpuIsa usable_isa() {
  static const CpuIsa detected = detected_isa();
  return std::min(detected, isa_limit.load());
}

bool has_avx2() {
  return usable_isa() >= CpuIsa::avx2;
}
bool has_avx512() {
  return usable_isa() >= CpuIsa::avx512;
}

// ---- scalar fallback --------------------------------------------------------------------------------------

template <typename W>
void linear_scalar(const float* x, const W* w, const float* bias, float* y, int64_t rows, int64_t n,
                   int64_t k) {
  cpu_thread_pool().parallel_for(n, 16, [&](int64_t n_begin, int64_t n_end) {
    for (int64_t t = 0; t < rows; ++t)
      for (int64_t j = n_begin; j < n_end; ++j) {
        const W* row = w + j * k;
        float sum = 0;
        for (int64_t i = 0; i < k; ++i) sum += x[t * k + i] * to_float(row[i]);
        y[t * n + j] = sum + (bias ? bias[j] : 0.0f);
      }
  });
}

// ---- AVX2
// ------------------------------------------------------------------------------------------------------

CHUNKWISE_AVX2 inline __m256 load8(const float* p) {
  return _mm256_loadu_ps(p);
}
CHUNKWISE_AVX2 inline __m256 load8(const BFloat16* p) {
  __m128i bits = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_cvtepu16_epi32(bits), 16));
}
CHUNKWISE_AVX2 inline __m256 load8(const Half* p) {
  return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
}

// The sums of four vectors, one per lane.
CHUNKWISE_AVX2 inline __m128 sum4(__m256 a, __m256 b, __m256 c, __m256 d) {
  __m256 ab = _mm256_hadd_ps(a, b);  // a01 a23 b01 b23 | a45 a67 b45 b67
  __m256 cd = _mm256_hadd_ps(c, d);
  __m256 abcd = _mm256_hadd_ps(ab, cd);  // a0123 b0123 c0123 d0123 | a4567 ...
  return _mm_add_ps(_mm256_castps256_ps128(abcd), _mm256_extractf128_ps(abcd, 1));
}

CHUNKWISE_AVX2 inline float sum1(__m256 a) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(a), _mm256_extractf128_ps(a, 1));
  s = _mm_hadd_ps(s, s);
  s = _mm_hadd_ps(s, s);
  return _mm_cvtss_f32(s);
}

// Output columns [n_begin, n_end) for all rows; 4 weight rows at a time, reused from L1 across the input
// rows.
template <typename W>
CHUNKWISE_AVX2 void gemv_avx2(const float* x, const W* w, const float* bias, float* y, int64_t rows,
                              int64_t n, int64_t k, int64_t n_begin, int64_t n_end) {
  int64_t k16 = k / 16 * 16;
  int64_t j = n_begin;
  for (; j + 4 <= n_end; j += 4) {
    const W* w0 = w + j * k;
    const W* w1 = w0 + k;
    const W* w2 = w1 + k;
    const W* w3 = w2 + k;
    for (int64_t t = 0; t < rows; ++t) {
      const float* xr = x + t * k;
      __m256 a0 = _mm256_setzero_ps(), a1 = _mm256_setzero_ps(), a2 = _mm256_setzero_ps(),
             a3 = _mm256_setzero_ps();
      __m256 b0 = _mm256_setzero_ps(), b1 = _mm256_setzero_ps(), b2 = _mm256_setzero_ps(),
             b3 = _mm256_setzero_ps();
      int64_t i = 0;
      for (; i < k16; i += 16) {
        __m256 xa = _mm256_loadu_ps(xr + i);
        __m256 xb = _mm256_loadu_ps(xr + i + 8);
        a0 = _mm256_fmadd_ps(load8(w0 + i), xa, a0);
        a1 = _mm256_fmadd_ps(load8(w1 + i), xa, a1);
        a2 = _mm256_fmadd_ps(load8(w2 + i), xa, a2);
        a3 = _mm256_fmadd_ps(load8(w3 + i), xa, a3);
        b0 = _mm256_fmadd_ps(load8(w0 + i + 8), xb, b0);
        b1 = _mm256_fmadd_ps(load8(w1 + i + 8), xb, b1);
        b2 = _mm256_fmadd_ps(load8(w2 + i + 8), xb, b2);
        b3 = _mm256_fmadd_ps(load8(w3 + i + 8), xb, b3);
      }
      alignas(16) float sums[4];
      _mm_store_ps(sums, sum4(_mm256_add_ps(a0, b0), _mm256_add_ps(a1, b1), _mm256_add_ps(a2, b2),
                              _mm256_add_ps(a3, b3)));
      for (; i < k; ++i) {
        sums[0] += xr[i] * to_float(w0[i]);
        sums[1] += xr[i] * to_float(w1[i]);
        sums[2] += xr[i] * to_float(w2[i]);
        sums[3] += xr[i] * to_float(w3[i]);
      }
      for (int r = 0; r < 4; ++r) y[t * n + j + r] = sums[r] + (bias ? bias[j + r] : 0.0f);
    }
  }
  for (; j < n_end; ++j) {
    const W* wr = w + j * k;
    for (int64_t t = 0; t < rows; ++t) {
      const float* xr = x + t * k;
      __m256 a = _mm256_setzero_ps();
      int64_t i = 0;
      for (; i + 8 <= k; i += 8) a = _mm256_fmadd_ps(load8(wr + i), _mm256_loadu_ps(xr + i), a);
      float sum = sum1(a);
      for (; i < k; ++i) sum += xr[i] * to_float(wr[i]);
      y[t * n + j] = sum + (bias ? bias[j] : 0.0f);
    }
  }
}

// The same with AVX-512: 16 weights per load, 4 rows x 2 vectors of accumulators.
CHUNKWISE_AVX512 inline __m512 load16(const float* p) {
  return _mm512_loadu_ps(p);
}
CHUNKWISE_AVX512 inline __m512 load16(const BFloat16* p) {
  __m256i bits = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_cvtepu16_epi32(bits), 16));
}
CHUNKWISE_AVX512 inline __m512 load16(const Half* p) {
  return _mm512_cvtph_ps(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}

// The weight rows that a thread's GEMV streams read after the current group: `count` rows from `first`,
// `stride` elements apart (count 0: none known).
template <typename W>
struct NextRows {
  const W* first = nullptr;
  int64_t stride = 0;
  int count = 0;
};

// Output columns [j, j + R) for all rows, R weight rows at a time (R streams from memory per thread). Each
// row's sum is formed the same way whatever R is (two accumulators, the same order), so outputs do not depend
// on which R took a row.
//
// Each stream prefetches kGemvPrefetchBytes ahead of where it reads: the L2 streamer does not cross 4 KiB
// pages, and a bf16 row of K = 2048 is one page, so without this every row starts with a few misses
// (measured: decode projections of a Llama-3.2-1B shape 22.5 -> 20.5 ms a step, 16 threads). Near a row's end
// the place ahead is in the row that this stream reads next, in the next group (`next`); row j + r + 1 is
// another stream's and read already.
constexpr int64_t kGemvPrefetchBytes = 2048;
template <int R, typename W>
CHUNKWISE_AVX512 inline void gemv_rows_avx512(const float* x, const W* w, const float* bias, float* y,
                                              int64_t rows, int64_t n, int64_t k, int64_t j,
                                              NextRows<W> next) {
  const int64_t k32 = k / 32 * 32;
  const int64_t row_bytes = k * int64_t(sizeof(W));
  const W* rows_w[R];
  const char* next_w[R];
  for (int r = 0; r < R; ++r) {
    rows_w[r] = w + (j + r) * k;
    next_w[r] = r < next.count ? reinterpret_cast<const char*>(next.first + r * next.stride) : nullptr;
  }
  for (int64_t t = 0; t < rows; ++t) {
    const float* xr = x + t * k;
    __m512 a[R], b[R];
    for (int r = 0; r < R; ++r) a[r] = b[r] = _mm512_setzero_ps();
    int64_t i = 0;
    for (; i < k32; i += 32) {
      const int64_t ahead = i * int64_t(sizeof(W)) + kGemvPrefetchBytes;
      if (ahead < row_bytes) {
        for (int r = 0; r < R; ++r)
          _mm_prefetch(reinterpret_cast<const char*>(rows_w[r]) + ahead, _MM_HINT_T0);
      } else if (t == 0 && ahead < 2 * row_bytes) {
        for (int r = 0; r < R; ++r)
          if (next_w[r]) _mm_prefetch(next_w[r] + (ahead - row_bytes), _MM_HINT_T0);
      }
      const __m512 xa = _mm512_loadu_ps(xr + i);
      const __m512 xb = _mm512_loadu_ps(xr + i + 16);
      for (int r = 0; r < R; ++r) {
        a[r] = _mm512_fmadd_ps(load16(rows_w[r] + i), xa, a[r]);
        b[r] = _mm512_fmadd_ps(load16(rows_w[r] + i + 16), xb, b[r]);
      }
    }
    float sums[R];
    for (int r = 0; r < R; ++r) sums[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
    for (; i < k; ++i)
      for (int r = 0; r < R; ++r) sums[r] += xr[i] * to_float(rows_w[r][i]);
    for (int r = 0; r < R; ++r) y[t * n + j + r] = sums[r] + (bias ? bias[j + r] : 0.0f);
  }
}

// The rows of [j, n_end) that gemv_avx512 reads as one group from j, or `after` once j is at n_end.
template <typename W>
NextRows<W> gemv_group_at(const W* w, int64_t k, int64_t j, int64_t n_end, NextRows<W> after) {
  if (j >= n_end) return after;
  return {w + j * k, k, int(std::min<int64_t>(n_end - j >= 8 ? 8 : 4, n_end - j))};
}

// Eight rows at a time, then four, then the AVX2 loop for the rest; `after` is what this thread reads next
// (for the last group's prefetches). Eight against four on the GPU host (16 threads, Llama-3.2-1B-shaped
// decode projections, alternated three times): 18.34-19.12 -> 17.37-18.36 ms a step.
template <typename W>
CHUNKWISE_AVX512 void gemv_avx512(const float* x, const W* w, const float* bias, float* y, int64_t rows,
                                  int64_t n, int64_t k, int64_t n_begin, int64_t n_end,
                                  NextRows<W> after = {}) {
  int64_t j = n_begin;
  for (; j + 8 <= n_end; j += 8)
    gemv_rows_avx512<8>(x, w, bias, y, rows, n, k, j, gemv_group_at(w, k, j + 8, n_end, after));
  for (; j + 4 <= n_end; j += 4)
    gemv_rows_avx512<4>(x, w, bias, y, rows, n, k, j, gemv_group_at(w, k, j + 4, n_end, after));
  if (j < n_end) gemv_avx2(x, w, bias, y, rows, n, k, j, n_end);
}

// Packs W[n0 + NR s + c, k0 + i] (c < NR, i < kc) as f32 at panel[(s * kc + i) * NR + c]; rows past the block
// are 0. Converting here costs N·K per call, amortized over all input rows.
template <int64_t NR, typename W>
CHUNKWISE_AVX2 void pack_weights(const W* w, int64_t k, int64_t n0, int64_t nc, int64_t k0, int64_t kc,
                                 float* panel) {
  int64_t strips = (nc + NR - 1) / NR;
  for (int64_t s = 0; s < strips; ++s) {
    float* strip = panel + s * kc * NR;
    for (int64_t c = 0; c < NR; ++c) {
      if (s * NR + c >= nc) {
        for (int64_t i = 0; i < kc; ++i) strip[i * NR + c] = 0.0f;
        continue;
      }
      const W* source = w + (n0 + s * NR + c) * k + k0;
      int64_t i = 0;
      for (; i + 8 <= kc; i += 8) {
        alignas(32) float converted[8];
        _mm256_store_ps(converted, load8(source + i));
        for (int e = 0; e < 8; ++e) strip[(i + e) * NR + c] = converted[e];
      }
      for (; i < kc; ++i) strip[i * NR + c] = to_float(source[i]);
    }
  }
}

// Packs x[m0 + m, k0 + i] (m < MR, i < kc) at a[i * MR + m]; rows past `rows` are 0.
template <int64_t MR>
void pack_inputs(const float* x, int64_t k, int64_t m0, int64_t rows, int64_t k0, int64_t kc, float* a) {
  for (int64_t m = 0; m < MR; ++m) {
    if (m0 + m >= rows) {
      for (int64_t i = 0; i < kc; ++i) a[i * MR + m] = 0.0f;
      continue;
    }
    const float* source = x + (m0 + m) * k + k0;
    for (int64_t i = 0; i < kc; ++i) a[i * MR + m] = source[i];
  }
}

// Writes an MR x NR tile of results to C (rows x columns of it valid): C = tile + bias on the first K block,
// C += tile on later ones.
template <int64_t MR, int64_t NR>
void store_tile(const float* tile, float* c, int64_t ldc, int64_t rows, int64_t columns, bool accumulate,
                const float* bias) {
  for (int64_t m = 0; m < rows; ++m) {
    float* row = c + m * ldc;
    const float* t = tile + m * NR;
    if (accumulate) {
      for (int64_t j = 0; j < columns; ++j) row[j] += t[j];
    } else if (bias) {
      for (int64_t j = 0; j < columns; ++j) row[j] = bias[j] + t[j];
    } else {
      for (int64_t j = 0; j < columns; ++j) row[j] = t[j];
    }
  }
}

// 6 x 16 tile, AVX2: 12 accumulators, A and B packed.
struct Avx2Tile {
  static constexpr int64_t rows = 6, columns = 16;
  CHUNKWISE_AVX2 static void multiply(const float* a, const float* b, int64_t kc, float* c, int64_t ldc,
                                      int64_t valid_rows, int64_t valid_columns, bool accumulate,
                                      const float* bias) {
    __m256 lo[rows], hi[rows];
#pragma GCC unroll 6
    for (int m = 0; m < rows; ++m) lo[m] = hi[m] = _mm256_setzero_ps();
    for (int64_t i = 0; i < kc; ++i) {
      __m256 b0 = _mm256_load_ps(b + i * columns);
      __m256 b1 = _mm256_load_ps(b + i * columns + 8);
#pragma GCC unroll 6
      for (int m = 0; m < rows; ++m) {
        __m256 av = _mm256_broadcast_ss(a + i * rows + m);
        lo[m] = _mm256_fmadd_ps(av, b0, lo[m]);
        hi[m] = _mm256_fmadd_ps(av, b1, hi[m]);
      }
    }
    if (valid_rows == rows && valid_columns == columns) {  // whole tile: straight from the registers
      __m256 base_lo = _mm256_setzero_ps(), base_hi = _mm256_setzero_ps();
      if (!accumulate && bias) {
        base_lo = _mm256_loadu_ps(bias);
        base_hi = _mm256_loadu_ps(bias + 8);
      }
#pragma GCC unroll 6
      for (int m = 0; m < rows; ++m) {
        float* row = c + m * ldc;
        _mm256_storeu_ps(row, _mm256_add_ps(accumulate ? _mm256_loadu_ps(row) : base_lo, lo[m]));
        _mm256_storeu_ps(row + 8, _mm256_add_ps(accumulate ? _mm256_loadu_ps(row + 8) : base_hi, hi[m]));
      }
      return;
    }
    alignas(64) float tile[rows * columns];
#pragma GCC unroll 6
    for (int m = 0; m < rows; ++m) {
      _mm256_store_ps(tile + m * columns, lo[m]);
      _mm256_store_ps(tile + m * columns + 8, hi[m]);
    }
    store_tile<rows, columns>(tile, c, ldc, valid_rows, valid_columns, accumulate, bias);
  }
};

// 12 x 32 tile, AVX-512: 24 accumulators.
struct Avx512Tile {
  static constexpr int64_t rows = 12, columns = 32;
  CHUNKWISE_AVX512 static void multiply(const float* a, const float* b, int64_t kc, float* c, int64_t ldc,
                                        int64_t valid_rows, int64_t valid_columns, bool accumulate,
                                        const float* bias) {
    __m512 lo[rows], hi[rows];
#pragma GCC unroll 12
    for (int m = 0; m < rows; ++m) lo[m] = hi[m] = _mm512_setzero_ps();
    for (int64_t i = 0; i < kc; ++i) {
      __m512 b0 = _mm512_load_ps(b + i * columns);
      __m512 b1 = _mm512_load_ps(b + i * columns + 16);
#pragma GCC unroll 12
      for (int m = 0; m < rows; ++m) {
        __m512 av = _mm512_set1_ps(a[i * rows + m]);
        lo[m] = _mm512_fmadd_ps(av, b0, lo[m]);
        hi[m] = _mm512_fmadd_ps(av, b1, hi[m]);
      }
    }
    if (valid_rows == rows && valid_columns == columns) {  // whole tile: straight from the registers
      __m512 base_lo = _mm512_setzero_ps(), base_hi = _mm512_setzero_ps();
      if (!accumulate && bias) {
        base_lo = _mm512_loadu_ps(bias);
        base_hi = _mm512_loadu_ps(bias + 16);
      }
#pragma GCC unroll 12
      for (int m = 0; m < rows; ++m) {
        float* row = c + m * ldc;
        _mm512_storeu_ps(row, _mm512_add_ps(accumulate ? _mm512_loadu_ps(row) : base_lo, lo[m]));
        _mm512_storeu_ps(row + 16, _mm512_add_ps(accumulate ? _mm512_loadu_ps(row + 16) : base_hi, hi[m]));
      }
      return;
    }
    alignas(64) float tile[rows * columns];
#pragma GCC unroll 12
    for (int m = 0; m < rows; ++m) {
      _mm512_store_ps(tile + m * columns, lo[m]);
      _mm512_store_ps(tile + m * columns + 16, hi[m]);
    }
    store_tile<rows, columns>(tile, c, ldc, valid_rows, valid_columns, accumulate, bias);
  }
};

// Output columns [n0, n0 + kNC) for all rows. Per K block: the weight panel is packed once; inputs are packed
// kMC rows at a time (L2); each weight strip then stays in L1 while the input tiles stream past it.
template <typename Tile, typename W>
void gemm_block(const float* x, const W* w, const float* bias, float* y, int64_t row_begin, int64_t row_end,
                int64_t n, int64_t k, int64_t n0, float* panel, float* packed_inputs) {
  constexpr int64_t MR = Tile::rows, NR = Tile::columns;
  int64_t nc = std::min(kNC, n - n0);
  int64_t strips = (nc + NR - 1) / NR;
  for (int64_t k0 = 0; k0 < k; k0 += kKC) {
    int64_t kc = std::min(kKC, k - k0);
    pack_weights<NR>(w, k, n0, nc, k0, kc, panel);
    for (int64_t r0 = row_begin; r0 < row_end; r0 += kMC) {
      int64_t r_end = std::min(row_end, r0 + kMC);
      for (int64_t m0 = r0; m0 < r_end; m0 += MR)
        pack_inputs<MR>(x, k, m0, row_end, k0, kc, packed_inputs + (m0 - r0) * kc);
      for (int64_t s = 0; s < strips; ++s) {
        int64_t column = n0 + s * NR;
        for (int64_t m0 = r0; m0 < r_end; m0 += MR)
          Tile::multiply(packed_inputs + (m0 - r0) * kc, panel + s * kc * NR, kc, y + m0 * n + column, n,
                         std::min(MR, row_end - m0), std::min(NR, n0 + nc - column), k0 > 0,
                         bias ? bias + column : nullptr);
      }
    }
  }
}

// Tasks are (block of kNC output columns, part of the rows): rows are split only when there are too few
// column blocks to keep every thread busy (q/k/v/o projections: N = 2048 is 16 blocks).
template <typename Tile, typename W>
void gemm(const float* x, const W* w, const float* bias, float* y, int64_t rows, int64_t n, int64_t k) {
  ThreadPool& pool = cpu_thread_pool();
  int64_t blocks = (n + kNC - 1) / kNC;
  int64_t wanted_parts = (4 * pool.num_threads() + blocks - 1) / blocks;
  int64_t parts = std::max<int64_t>(1, std::min(wanted_parts, rows / (4 * Tile::rows)));
  int64_t part_rows = ((rows + parts - 1) / parts + Tile::rows - 1) / Tile::rows * Tile::rows;
  parts = (rows + part_rows - 1) / part_rows;
  pool.parallel_for(blocks * parts, 1, [&](int64_t begin, int64_t end) {
    // 64-byte aligned scratch: the weight panel (kNC x kKC) and kMC rows of inputs (whole tiles).
    constexpr int64_t input_rows = (kMC + Tile::rows - 1) / Tile::rows * Tile::rows;
    thread_local std::vector<float> storage;
    storage.resize(size_t(kNC * kKC + input_rows * kKC + 16));
    float* panel =
        reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) & ~uintptr_t(63));
    float* packed_inputs = panel + kNC * kKC;
    for (int64_t task = begin; task < end; ++task) {
      int64_t block = task / parts, part = task % parts;
      int64_t row_begin = part * part_rows, row_end = std::min(rows, row_begin + part_rows);
      gemm_block<Tile>(x, w, bias, y, row_begin, row_end, n, k, block * kNC, panel, packed_inputs);
    }
  });
}

template <typename W>
void linear_avx2(const float* x, const W* w, const float* bias, float* y, int64_t rows, int64_t n,
                 int64_t k) {
  if (k == 0) {
    for (int64_t t = 0; t < rows; ++t)
      for (int64_t j = 0; j < n; ++j) y[t * n + j] = bias ? bias[j] : 0.0f;
    return;
  }
  if (rows < gemv_max_rows) {
    // Tasks of about kGemvTaskBytes of W (whole groups of 4 rows) handed out one at a time from a shared
    // counter, so that the threads of a bandwidth-bound product finish within one short task of each other
    // (with a few long chunks per thread, the last ones to finish leave the others idle for tens of
    // microseconds, on each of the hundred products of a decode step).
    int64_t groups = (n + 3) / 4;
    int64_t task_groups = gemv_task_groups(k, sizeof(W));
    int64_t tasks = (groups + task_groups - 1) / task_groups;
    bool wide = has_avx512();
    ThreadPool& pool = cpu_thread_pool();
    std::atomic<int64_t> next{0};
    // Each thread claims its next task when it starts one, so that the last group's streams can prefetch
    // into it (see gemv_rows_avx512).
    const auto task_rows = [&](int64_t task) {
      const int64_t begin = task * task_groups * 4;
      return std::pair{begin, std::min(n, begin + task_groups * 4)};
    };
    pool.parallel_for(std::min<int64_t>(tasks, pool.num_threads()), 1, [&](int64_t, int64_t) {
      for (int64_t task = next.fetch_add(1, std::memory_order_relaxed); task < tasks;) {
        const int64_t following = next.fetch_add(1, std::memory_order_relaxed);
        const auto [begin, end] = task_rows(task);
        if (wide) {
          NextRows<W> after;
          if (following < tasks) {
            const auto [next_begin, next_end] = task_rows(following);
            after = gemv_group_at(w, k, next_begin, next_end, NextRows<W>{});
          }
          gemv_avx512(x, w, bias, y, rows, n, k, begin, end, after);
        } else {
          gemv_avx2(x, w, bias, y, rows, n, k, begin, end);
        }
        task = following;
      }
    });
    return;
  }
  if (has_avx512())
    gemm<Avx512Tile>(x, w, bias, y, rows, n, k);
  else
    gemm<Avx2Tile>(x, w, bias, y, rows, n, k);
}

template <typename W>
void gemv_columns(const float* x, const W* w, const float* bias, float* y, int64_t rows, int64_t n, int64_t k,
                  int64_t begin, int64_t end, NextRows<W> after) {
  if (has_avx512())
    gemv_avx512(x, w, bias, y, rows, n, k, begin, end, after);
  else
    gemv_avx2(x, w, bias, y, rows, n, k, begin, end);
}

}  // namespace

void linear_group(std::span<const LinearProblem> problems, MatmulPrecision precision) {
  // Fused only when every product is a GEMV with inputs: otherwise each runs alone.
  bool fused = has_avx2();
  for (const LinearProblem& p : problems)
    fused = fused && p.x->dim(0) > 0 && p.x->dim(0) < gemv_max_rows && p.x->dim(1) > 0;
  if (!fused) {
    for (const LinearProblem& p : problems) linear(*p.x, *p.weight, p.bias, precision, *p.out);
    return;
  }
  // Tasks of all products on one counter (see linear_avx2's GEMV): one wait for the group.
  std::vector<int64_t> first_task(problems.size() + 1, 0);
  for (size_t i = 0; i < problems.size(); ++i) {
    const LinearProblem& p = problems[i];
    const int64_t groups = (p.weight->dim(0) + 3) / 4;
    const int64_t per_task = gemv_task_groups(p.x->dim(1), size_of(p.weight->dtype()));
    first_task[i + 1] = first_task[i] + (groups + per_task - 1) / per_task;
  }
  const int64_t tasks = first_task.back();
  ThreadPool& pool = cpu_thread_pool();
  std::atomic<int64_t> next{0};
  // Task `task` of product i: its weight rows [begin, end).
  const auto task_rows = [&](size_t i, int64_t task) {
    const LinearProblem& p = problems[i];
    const int64_t per_task = gemv_task_groups(p.x->dim(1), size_of(p.weight->dtype()));
    const int64_t begin = (task - first_task[i]) * per_task * 4;
    return std::pair{begin, std::min(p.weight->dim(0), begin + per_task * 4)};
  };
  // Each thread claims its next task when it starts one (see linear_avx2's GEMV).
  pool.parallel_for(std::min<int64_t>(tasks, pool.num_threads()), 1, [&](int64_t, int64_t) {
    size_t i = 0, following_i = 0;
    for (int64_t task = next.fetch_add(1, std::memory_order_relaxed); task < tasks;) {
      const int64_t following = next.fetch_add(1, std::memory_order_relaxed);
      while (task >= first_task[i + 1]) ++i;
      if (following < tasks)
        while (following >= first_task[following_i + 1]) ++following_i;
      const LinearProblem& p = problems[i];
      const int64_t rows = p.x->dim(0), k = p.x->dim(1), n = p.weight->dim(0);
      const auto [begin, end] = task_rows(i, task);
      // Captured as copies: clang before 16 cannot capture structured bindings.
      visit_float_dtype(p.weight->dtype(), [&, begin = begin, end = end]<typename W>(W) {
        NextRows<W> after;
        const LinearProblem& q = problems[following_i];
        if (following < tasks && q.weight->dtype() == p.weight->dtype()) {
          const auto [next_begin, next_end] = task_rows(following_i, following);
          after = gemv_group_at(q.weight->data<W>(), q.x->dim(1), next_begin, next_end, NextRows<W>{});
        }
        gemv_columns(p.x->data<float>(), p.weight->data<W>(), p.bias, p.out->data<float>(), rows, n, k, begin,
                     end, after);
      });
      task = following;
    }
  });
}

CpuIsa limit_linear_isa(CpuIsa limit) {
  isa_limit = limit;
  return usable_isa();
}

void linear(const Tensor& x, const Tensor& weight, const float* bias, MatmulPrecision precision,
            Tensor& out) {
  int64_t rows = x.dim(0);
  int64_t k = x.dim(1);
  int64_t n = weight.dim(0);
  if (rows == 0 || n == 0) return;
  if (weight.dtype() == DType::bf16 && rows >= amx_min_rows && k > 0 && usable_isa() >= CpuIsa::amx) {
    const int terms = precision == MatmulPrecision::bf16 ? 1 : precision == MatmulPrecision::bf16x2 ? 2 : 3;
    linear_bf16_amx(x.data<float>(), weight.data<BFloat16>(), bias, out.data<float>(), rows, n, k, terms,
                    amx_linear_plan_in_use());
    return;
  }
  visit_float_dtype(weight.dtype(), [&]<typename W>(W) {
    if (has_avx2())
      linear_avx2(x.data<float>(), weight.data<W>(), bias, out.data<float>(), rows, n, k);
    else
      linear_scalar(x.data<float>(), weight.data<W>(), bias, out.data<float>(), rows, n, k);
  });
}

}  // namespace chunkwise::runtime::cpu
