// The read-bandwidth probe, shared by the benchmarks that report bandwidth (runtime_ops_bench,
// generate_bench, gemv_layout_probe): sums of data[0, count) with 8 independent accumulators (count a
// multiple of 128), and one pass of the CPU thread pool over a buffer.
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <vector>

#include "runtime/thread_pool.h"

namespace chunkwise::bench {

__attribute__((target("avx512f"))) inline float sum_avx512(const float* data, int64_t count) {
  __m512 acc[8];
  for (auto& a : acc) a = _mm512_setzero_ps();
  for (int64_t i = 0; i < count; i += 128)
    for (int j = 0; j < 8; ++j) acc[j] = _mm512_add_ps(acc[j], _mm512_loadu_ps(data + i + 16 * j));
  for (int j = 1; j < 8; ++j) acc[0] = _mm512_add_ps(acc[0], acc[j]);
  return _mm512_reduce_add_ps(acc[0]);
}

__attribute__((target("avx2"))) inline float sum_avx2(const float* data, int64_t count) {
  __m256 acc[8];
  for (auto& a : acc) a = _mm256_setzero_ps();
  for (int64_t i = 0; i < count; i += 64)
    for (int j = 0; j < 8; ++j) acc[j] = _mm256_add_ps(acc[j], _mm256_loadu_ps(data + i + 8 * j));
  for (int j = 1; j < 8; ++j) acc[0] = _mm256_add_ps(acc[0], acc[j]);
  alignas(32) float lanes[8];
  _mm256_store_ps(lanes, acc[0]);
  return lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
}

inline float sum_scalar(const float* data, int64_t count) {
  float acc[8] = {};
  for (int64_t i = 0; i < count; i += 8)
    for (int j = 0; j < 8; ++j) acc[j] += data[i + j];
  return acc[0] + acc[1] + acc[2] + acc[3] + acc[4] + acc[5] + acc[6] + acc[7];
}

// One read of data[0, count) (count a multiple of 4096) by the CPU thread pool: disjoint slices of 4096
// floats, at least 64 a thread's chunk, each summed with the widest loop the CPU has. Returns the sum.
inline float read_pass(const float* data, int64_t count) {
  static const bool avx512 = __builtin_cpu_supports("avx512f"), avx2 = __builtin_cpu_supports("avx2");
  std::vector<float> partial(size_t(count / 4096), 0.0f);
  runtime::cpu_thread_pool().parallel_for(count / 4096, 64, [&](int64_t begin, int64_t end) {
    const float* slice = data + begin * 4096;
    const int64_t length = (end - begin) * 4096;
    partial[size_t(begin)] = avx512 ? sum_avx512(slice, length)
                             : avx2 ? sum_avx2(slice, length)
                                    : sum_scalar(slice, length);
  });
  float total = 0;
  for (const float p : partial) total += p;
  return total;
}

}  // namespace chunkwise::bench
