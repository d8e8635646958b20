// Would decode read its weights faster in another layout or split? The library's bf16 GEMV (runtime linear,
// one input row) streams 8 weight rows at a time, 8 streams per thread, in 64 KiB tasks from a shared
// counter; here it runs next to the same product over a copy whose groups of 8 rows are interleaved in
// 64-byte pieces (each thread then reads one sequential stream), each also with one contiguous range of rows
// per thread, and next to the read-bandwidth probe, all over the same 512 MiB of weights (K = 2048) in turn.
//   gemv_layout_probe [--rows N] [--reps R]      threads: CHUNKWISE_THREADS (default: all)
// Prints a markdown table: best time, GB/s, fraction of the probe. Built by CMake (bench/runtime) and by
// bench/generate/ab_on_device.sh (PROBE=1) for the GPU machine's host.
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics trip -Wmaybe-uninitialized once inlined (see runtime/cpu/linear_cpu.cc).
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "../memory_read.h"
#include "runtime/ops/linear.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"

namespace {

using chunkwise::runtime::BFloat16;
using chunkwise::runtime::cpu_thread_pool;
using chunkwise::runtime::DType;
using chunkwise::runtime::Tensor;

constexpr int64_t kK = 2048;
constexpr int64_t kTaskRows = 16;  // 64 KiB of bf16 weights a task, as the library's GEMV

#define PROBE_AVX512 __attribute__((target("avx512f,avx512bw")))

PROBE_AVX512 inline __m512 widen16(const uint16_t* p) {
  return _mm512_castsi512_ps(
      _mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p))), 16));
}

// Rows [j, j + 8) from the interleaved copy: piece c (inputs 32 c .. 32 c + 31) of row j + r at
// group + (8 c + r) * 32, so the group's 32 KiB are read front to back.
PROBE_AVX512 void interleaved_rows8(const float* x, const uint16_t* group, float* y, int64_t prefetch_bytes) {
  __m512 a[8], b[8];
  for (int r = 0; r < 8; ++r) a[r] = b[r] = _mm512_setzero_ps();
  for (int64_t i = 0; i < kK; i += 32) {
    const uint16_t* piece = group + i * 8;
    if (prefetch_bytes > 0)
      for (int line = 0; line < 8; ++line)
        _mm_prefetch(reinterpret_cast<const char*>(piece + line * 32) + prefetch_bytes, _MM_HINT_T0);
    const __m512 xa = _mm512_loadu_ps(x + i), xb = _mm512_loadu_ps(x + i + 16);
    for (int r = 0; r < 8; ++r) {
      a[r] = _mm512_fmadd_ps(widen16(piece + r * 32), xa, a[r]);
      b[r] = _mm512_fmadd_ps(widen16(piece + r * 32 + 16), xb, b[r]);
    }
  }
  for (int r = 0; r < 8; ++r) y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
}

// Rows [j, j + 8) from the row-major weights, as the library's 8-row loop reads them (2 KiB prefetch ahead
// in each row).
PROBE_AVX512 void row_major_rows8(const float* x, const uint16_t* w, float* y) {
  __m512 a[8], b[8];
  for (int r = 0; r < 8; ++r) a[r] = b[r] = _mm512_setzero_ps();
  for (int64_t i = 0; i < kK; i += 32) {
    for (int r = 0; r < 8; ++r)
      _mm_prefetch(reinterpret_cast<const char*>(w + r * kK + i) + 2048, _MM_HINT_T0);
    const __m512 xa = _mm512_loadu_ps(x + i), xb = _mm512_loadu_ps(x + i + 16);
    for (int r = 0; r < 8; ++r) {
      a[r] = _mm512_fmadd_ps(widen16(w + r * kK + i), xa, a[r]);
      b[r] = _mm512_fmadd_ps(widen16(w + r * kK + i + 16), xb, b[r]);
    }
  }
  for (int r = 0; r < 8; ++r) y[r] = _mm512_reduce_add_ps(_mm512_add_ps(a[r], b[r]));
}

// All n rows, 8 at a time by `rows8(j)`: tasks of kTaskRows rows from a shared counter (as the library), or
// one contiguous range of rows per thread.
void gemv(int64_t n, bool contiguous, const std::function<void(int64_t)>& rows8) {
  auto& pool = cpu_thread_pool();
  const int64_t tasks = n / kTaskRows;
  if (contiguous) {
    pool.parallel_for(tasks, (tasks + pool.num_threads() - 1) / pool.num_threads(),
                      [&](int64_t begin, int64_t end) {
                        for (int64_t j = begin * kTaskRows; j < end * kTaskRows; j += 8) rows8(j);
                      });
    return;
  }
  std::atomic<int64_t> next{0};
  pool.parallel_for(std::min<int64_t>(tasks, pool.num_threads()), 1, [&](int64_t, int64_t) {
    for (int64_t task; (task = next.fetch_add(1, std::memory_order_relaxed)) < tasks;)
      for (int64_t j = task * kTaskRows; j < (task + 1) * kTaskRows; j += 8) rows8(j);
  });
}

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

int main(int argc, char** argv) {
  int64_t n = 131072;  // 512 MiB of bf16 weights
  int reps = 10;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 < argc && arg == "--rows") {
      n = std::max<int64_t>(kTaskRows, std::atoll(argv[++i]) / kTaskRows * kTaskRows);
    } else if (i + 1 < argc && arg == "--reps") {
      reps = std::max(1, std::atoi(argv[++i]));
    } else {
      std::fprintf(stderr, "usage: gemv_layout_probe [--rows N] [--reps R]\n");
      return 2;
    }
  }
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) {
    std::printf("this CPU has no AVX-512: nothing to time\n");
    return 0;
  }
  Tensor w = Tensor::empty({n, kK}, DType::bf16);
  auto* bits = reinterpret_cast<uint16_t*>(w.raw_data());
  uint32_t state = 1;
  for (int64_t i = 0; i < n * kK; ++i) {
    state = state * 1664525u + 1013904223u;
    bits[i] = uint16_t(0x3C00 + (state >> 23));  // bf16 in [2^-7, 2^-5): finite, no denormals
  }
  std::vector<uint16_t> interleaved(size_t(n * kK));
  for (int64_t g = 0; g < n / 8; ++g)
    for (int64_t r = 0; r < 8; ++r)
      for (int64_t c = 0; c < kK / 32; ++c)
        std::memcpy(interleaved.data() + g * 8 * kK + (c * 8 + r) * 32, bits + (g * 8 + r) * kK + c * 32, 64);
  Tensor x = Tensor::empty({1, kK}, DType::f32);
  for (int64_t i = 0; i < kK; ++i) x.data<float>()[i] = float(i % 7) * 0.25f - 0.75f;
  Tensor y = Tensor::empty({1, n}, DType::f32);
  std::vector<float> y_interleaved(static_cast<size_t>(n));

  struct Variant {
    std::string name;
    std::function<void()> run;
    double best = 1e30;
  };
  volatile float sink = 0;
  std::vector<Variant> variants = {
      {"read probe (sum of the same bytes)",
       [&] { sink = chunkwise::bench::read_pass(reinterpret_cast<const float*>(bits), n * kK / 2); }},
      {"library GEMV (row-major, 8 streams a thread)",
       [&] { chunkwise::runtime::linear_into(x, w, nullptr, y); }},
  };
  const float* xs = x.data<float>();
  float* yi = y_interleaved.data();
  for (bool contiguous : {false, true}) {
    const std::string split = contiguous ? ", a range a thread" : ", 64 KiB tasks";
    variants.push_back({"row-major, 2 KiB prefetch" + split, [&, contiguous] {
                          gemv(n, contiguous, [&](int64_t j) { row_major_rows8(xs, bits + j * kK, yi + j); });
                        }});
    for (int64_t prefetch : {0, 2048, 4096})
      variants.push_back(
          {"interleaved, prefetch " + std::to_string(prefetch) + " B" + split, [&, contiguous, prefetch] {
             gemv(n, contiguous,
                  [&](int64_t j) { interleaved_rows8(xs, interleaved.data() + j * kK, yi + j, prefetch); });
           }});
  }
  for (int rep = 0; rep <= reps; ++rep)  // rep 0 warms up
    for (Variant& v : variants) {
      const double start = seconds_now();
      v.run();
      if (rep > 0) v.best = std::min(v.best, seconds_now() - start);
    }
  double worst = 0;
  for (int64_t j = 0; j < n; ++j)
    worst = std::max(worst, double(std::abs(y.data<float>()[j] - y_interleaved[size_t(j)])) /
                                (1e-6 + std::abs(double(y.data<float>()[j]))));
  const double bytes = double(n * kK * 2);
  std::printf(
      "\n%lld x %lld bf16 weights (%.0f MiB), %d threads, best of %d\n\n| read | ms | GB/s | of the probe |\n"
      "|---|---:|---:|---:|\n",
      static_cast<long long>(n), static_cast<long long>(kK), bytes / (1 << 20),
      cpu_thread_pool().num_threads(), reps);
  for (const Variant& v : variants)
    std::printf("| %s | %.3f | %.1f | %.0f%% |\n", v.name.c_str(), v.best * 1e3, bytes / v.best / 1e9,
                100.0 * variants[0].best / v.best);
  std::printf("\nlargest relative difference, library against the last variant's outputs: %.2g\n", worst);
  return 0;
}
