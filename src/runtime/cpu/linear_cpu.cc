// y[T, N] = x[T, K] · W[N, K]ᵀ (+ bias) with W in f32, f16 or bf16.
//  - Few rows (decode): GEMV-style, 4 weight rows at a time against every input row, each weight row read
//    from memory once and converted in registers; threads split N. Bandwidth bound.
//  - Many rows (prefill): blocked GEMM. Per thread, a block of NC output columns and KC inputs of W is
//    converted and packed into [NC/16][KC][16] f32 panels, then a 6x16 register-tile micro-kernel runs over
//    all rows. Compute bound.
// AVX2 + FMA + F16C kernels are chosen at run time; a scalar loop covers other CPUs.
#include <immintrin.h>

#include <algorithm>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

#define CHUNKWISE_AVX2 __attribute__((target("avx2,fma,f16c")))

namespace chunkwise::runtime::cpu {

namespace {

constexpr int64_t gemv_max_rows = 8;  // below this many input rows, the GEMV path (no packing)
constexpr int64_t kMR = 6;            // micro-kernel rows
constexpr int64_t kNR = 16;           // micro-kernel columns (2 AVX vectors)
constexpr int64_t kKC = 256;          // K block: a 16-column panel strip is 16 KiB
constexpr int64_t kNC = 128;          // N block per task: a panel is 128 KiB (L2)

bool has_avx2() {
  static const bool has =
      __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
  return has;
}

// ---- scalar fallback
// -------------------------------------------------------------------------------------------

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

// Packs W[n0 + 16 s + c, k0 + i] (c < 16, i < kc) as f32 at panel[(s * kc + i) * 16 + c]; rows past n are 0.
template <typename W>
CHUNKWISE_AVX2 void pack_panel(const W* w, int64_t n, int64_t k, int64_t n0, int64_t nc, int64_t k0,
                               int64_t kc, float* panel) {
  int64_t strips = (nc + kNR - 1) / kNR;
  for (int64_t s = 0; s < strips; ++s) {
    float* strip = panel + s * kc * kNR;
    for (int64_t c = 0; c < kNR; ++c) {
      int64_t row = n0 + s * kNR + c;
      if (row >= n || s * kNR + c >= nc) {
        for (int64_t i = 0; i < kc; ++i) strip[i * kNR + c] = 0.0f;
        continue;
      }
      const W* source = w + row * k + k0;
      int64_t i = 0;
      for (; i + 8 <= kc; i += 8) {
        alignas(32) float converted[8];
        _mm256_store_ps(converted, load8(source + i));
        for (int e = 0; e < 8; ++e) strip[(i + e) * kNR + c] = converted[e];
      }
      for (; i < kc; ++i) strip[i * kNR + c] = to_float(source[i]);
    }
  }
}

// C[M x 16] (=|+=) A[M x kc] · B[kc x 16]; A rows lda apart, B a packed strip, C rows ldc apart, `columns` <=
// 16 of them stored. First K block: C = product + bias; later blocks: C += product.
template <int M>
CHUNKWISE_AVX2 void micro_kernel(const float* a, int64_t lda, const float* b, int64_t kc, float* c,
                                 int64_t ldc, int64_t columns, bool accumulate, const float* bias) {
  __m256 lo[M], hi[M];
#pragma GCC unroll 6
  for (int m = 0; m < M; ++m) lo[m] = hi[m] = _mm256_setzero_ps();
  for (int64_t i = 0; i < kc; ++i) {
    __m256 b0 = _mm256_load_ps(b + i * kNR);
    __m256 b1 = _mm256_load_ps(b + i * kNR + 8);
#pragma GCC unroll 6
    for (int m = 0; m < M; ++m) {
      __m256 av = _mm256_broadcast_ss(a + m * lda + i);
      lo[m] = _mm256_fmadd_ps(av, b0, lo[m]);
      hi[m] = _mm256_fmadd_ps(av, b1, hi[m]);
    }
  }
  if (columns == kNR) {
    __m256 bias_lo = _mm256_setzero_ps(), bias_hi = _mm256_setzero_ps();
    if (!accumulate && bias) {
      bias_lo = _mm256_loadu_ps(bias);
      bias_hi = _mm256_loadu_ps(bias + 8);
    }
#pragma GCC unroll 6
    for (int m = 0; m < M; ++m) {
      float* row = c + m * ldc;
      __m256 base_lo = accumulate ? _mm256_loadu_ps(row) : bias_lo;
      __m256 base_hi = accumulate ? _mm256_loadu_ps(row + 8) : bias_hi;
      _mm256_storeu_ps(row, _mm256_add_ps(base_lo, lo[m]));
      _mm256_storeu_ps(row + 8, _mm256_add_ps(base_hi, hi[m]));
    }
    return;
  }
  for (int m = 0; m < M; ++m) {
    alignas(32) float tile[kNR];
    _mm256_store_ps(tile, lo[m]);
    _mm256_store_ps(tile + 8, hi[m]);
    float* row = c + m * ldc;
    for (int64_t j = 0; j < columns; ++j) row[j] = (accumulate ? row[j] : (bias ? bias[j] : 0.0f)) + tile[j];
  }
}

using MicroKernel = void (*)(const float*, int64_t, const float*, int64_t, float*, int64_t, int64_t, bool,
                             const float*);
constexpr MicroKernel micro_kernels[kMR + 1] = {nullptr,         micro_kernel<1>, micro_kernel<2>,
                                                micro_kernel<3>, micro_kernel<4>, micro_kernel<5>,
                                                micro_kernel<6>};

template <typename W>
CHUNKWISE_AVX2 void gemm_block_avx2(const float* x, const W* w, const float* bias, float* y, int64_t rows,
                                    int64_t n, int64_t k, int64_t n0, float* panel) {
  int64_t nc = std::min(kNC, n - n0);
  int64_t strips = (nc + kNR - 1) / kNR;
  for (int64_t k0 = 0; k0 < k; k0 += kKC) {
    int64_t kc = std::min(kKC, k - k0);
    pack_panel(w, n, k, n0, nc, k0, kc, panel);
    for (int64_t m0 = 0; m0 < rows; m0 += kMR) {
      int64_t mr = std::min(kMR, rows - m0);
      for (int64_t s = 0; s < strips; ++s) {
        int64_t column = n0 + s * kNR;
        micro_kernels[mr](x + m0 * k + k0, k, panel + s * kc * kNR, kc, y + m0 * n + column, n,
                          std::min(kNR, n - column), k0 > 0, bias ? bias + column : nullptr);
      }
    }
  }
}

template <typename W>
void linear_avx2(const float* x, const W* w, const float* bias, float* y, int64_t rows, int64_t n,
                 int64_t k) {
  ThreadPool& pool = cpu_thread_pool();
  if (k == 0) {
    for (int64_t t = 0; t < rows; ++t)
      for (int64_t j = 0; j < n; ++j) y[t * n + j] = bias ? bias[j] : 0.0f;
    return;
  }
  if (rows < gemv_max_rows) {
    // Chunks of >= 64 output rows (whole groups of 4), so that each thread streams long runs of W.
    int64_t groups = (n + 3) / 4;
    pool.parallel_for(groups, 16, [&](int64_t begin, int64_t end) {
      gemv_avx2(x, w, bias, y, rows, n, k, begin * 4, std::min(n, end * 4));
    });
    return;
  }
  int64_t blocks = (n + kNC - 1) / kNC;
  pool.parallel_for(blocks, 1, [&](int64_t begin, int64_t end) {
    thread_local std::vector<float, std::allocator<float>> storage;
    storage.resize(size_t(kNC * kKC + 16));
    float* panel =
        reinterpret_cast<float*>((reinterpret_cast<uintptr_t>(storage.data()) + 63) & ~uintptr_t(63));
    for (int64_t b = begin; b < end; ++b) gemm_block_avx2(x, w, bias, y, rows, n, k, b * kNC, panel);
  });
}

}  // namespace

void linear(const Tensor& x, const Tensor& weight, const float* bias, Tensor& out) {
  int64_t rows = x.dim(0);
  int64_t k = x.dim(1);
  int64_t n = weight.dim(0);
  if (rows == 0 || n == 0) return;
  visit_float_dtype(weight.dtype(), [&]<typename W>(W) {
    if (has_avx2())
      linear_avx2(x.data<float>(), weight.data<W>(), bias, out.data<float>(), rows, n, k);
    else
      linear_scalar(x.data<float>(), weight.data<W>(), bias, out.data<float>(), rows, n, k);
  });
}

}  // namespace chunkwise::runtime::cpu
