// linear (y = x · Wᵀ) at Llama-3.2-1B shapes (K = 2048; N = 2048 q/o proj, 8192 MLP, 128256 lm head), for
// decode (T = 1: bandwidth bound, reported as GB/s of weights read) and prefill (T = 512: GFLOP/s), bf16 and
// f32 weights; against OpenBLAS cblas_sgemm / cblas_sgemv on f32 weights, with the same thread count; plus
// the machine's read bandwidth (multi-threaded sum over 1 GiB) to put the decode figures in proportion; and
// paged attention for one decode token at the same model's shape (32 query heads, 8 kv heads, head_dim 64,
// 16 layers a step) over 544 and 2048 cached positions, the cache evicted before each step as the weights
// evict it in a real step (reported as GB/s of K and V read).
//   runtime_ops_bench [--benchmark_filter=...]       threads: CHUNKWISE_THREADS (default: all cores)
#include <benchmark/benchmark.h>
#include <immintrin.h>

// GCC 12's AVX-512 intrinsics (_mm512_cvtepu16_epi32, _mm512_reduce_add_ps, ...) start from
// _mm512_undefined_*() values and trip -Wuninitialized once inlined: a known false positive.
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"

#include <cstdint>
#include <cstring>
#include <vector>

#include "runtime/kv_cache.h"
#include "runtime/ops/linear.h"
#include "runtime/ops/paged_attention.h"
#include "runtime/thread_pool.h"

#ifdef CHUNKWISE_HAVE_OPENBLAS
#include <cblas.h>

#include "../memory_read.h"
#endif

namespace chunkwise::runtime {
namespace {

constexpr int64_t kK = 2048;

// Deterministic pseudo-random values in [-1, 1), cheap enough for a GiB of weights.
void fill(float* data, size_t count, uint32_t seed) {
  uint32_t state = seed * 2654435761u + 1;
  for (size_t i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    data[i] = float(int32_t(state)) * (1.0f / 2147483648.0f);
  }
}

Tensor random_weight(int64_t n, DType dtype) {
  Tensor w = Tensor::empty({n, kK}, dtype);
  std::vector<float> row(kK);
  for (int64_t j = 0; j < n; ++j) {
    fill(row.data(), row.size(), uint32_t(j));
    for (int64_t i = 0; i < kK; ++i) {
      if (dtype == DType::f32) w.data<float>()[j * kK + i] = row[size_t(i)];
      if (dtype == DType::bf16) w.data<BFloat16>()[j * kK + i] = to_bfloat16(row[size_t(i)]);
    }
  }
  return w;
}

// Enough copies of a weight to exceed the last-level cache (>= 512 MiB in all), used in turn, so that decode
// reads every weight from memory as a real forward pass over 1.2 GB of weights does.
std::vector<Tensor> weight_copies(const Tensor& w) {
  std::vector<Tensor> copies = {w};
  while (copies.size() * w.bytes() < (size_t(512) << 20)) {
    Tensor copy = Tensor::empty(w.shape(), w.dtype());
    std::memcpy(copy.raw_data(), w.raw_data(), w.bytes());
    copies.push_back(copy);
  }
  return copies;
}

void report(benchmark::State& state, int64_t t, int64_t n, size_t weight_bytes) {
  double iterations = double(state.iterations());
  state.counters["weight_GB/s"] =
      benchmark::Counter(double(weight_bytes) * iterations / 1e9, benchmark::Counter::kIsRate);
  state.counters["GFLOP/s"] =
      benchmark::Counter(2.0 * double(t * n * kK) * iterations / 1e9, benchmark::Counter::kIsRate);
  state.counters["threads"] = cpu_thread_pool().num_threads();
}

void BM_linear(benchmark::State& state, DType dtype) {
  int64_t t = state.range(0), n = state.range(1);
  std::vector<Tensor> copies = weight_copies(random_weight(n, dtype));
  Tensor x = Tensor::empty({t, kK}, DType::f32);
  fill(x.data<float>(), size_t(x.numel()), 7);
  Tensor y = Tensor::empty({t, n}, DType::f32);
  size_t next = 0;
  for (auto _ : state) {
    linear_into(x, copies[next++ % copies.size()], nullptr, y);
    benchmark::DoNotOptimize(y.raw_data());
  }
  const Tensor& w = copies[0];
  report(state, t, n, w.bytes());
}

#ifdef CHUNKWISE_HAVE_OPENBLAS
void BM_openblas_f32(benchmark::State& state) {
  int64_t t = state.range(0), n = state.range(1);
  openblas_set_num_threads(cpu_thread_pool().num_threads());
  std::vector<Tensor> copies = weight_copies(random_weight(n, DType::f32));
  Tensor x = Tensor::empty({t, kK}, DType::f32);
  fill(x.data<float>(), size_t(x.numel()), 7);
  Tensor y = Tensor::empty({t, n}, DType::f32);
  size_t next = 0;
  for (auto _ : state) {
    const Tensor& w = copies[next++ % copies.size()];
    if (t == 1)
      cblas_sgemv(CblasRowMajor, CblasNoTrans, int(n), int(kK), 1.0f, w.data<float>(), int(kK),
                  x.data<float>(), 1, 0.0f, y.data<float>(), 1);
    else
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, int(t), int(n), int(kK), 1.0f, x.data<float>(),
                  int(kK), w.data<float>(), int(kK), 0.0f, y.data<float>(), int(n));
    benchmark::DoNotOptimize(y.raw_data());
  }
  report(state, t, n, copies[0].bytes());
  state.SetLabel(openblas_get_corename());
}
#endif

// Read bandwidth: the threads sum disjoint slices of a 1 GiB buffer.
void BM_memory_read(benchmark::State& state) {
  int64_t count = int64_t(1) << 28;  // floats
  Tensor buffer = Tensor::empty({count}, DType::f32);
  fill(buffer.data<float>(), size_t(count), 3);
  const float* data = buffer.data<float>();
  for (auto _ : state) {
    benchmark::DoNotOptimize(chunkwise::bench::read_pass(data, count));
  }
  state.counters["GB/s"] =
      benchmark::Counter(double(count * 4) * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["threads"] = cpu_thread_pool().num_threads();
}

// Llama-3.2-1B's attention shape, 16 layers a step, f32 cache in blocks of 16.
constexpr int kAttentionLayers = 16, kHeads = 32, kKvHeads = 8, kHeadDim = 64, kBlockSize = 16;

// One sequence with `positions` positions in a cache of consecutive blocks, whose last `tokens` are new
// (their queries, keys and values given; the keys and values are written to the cache by paged_attention).
struct AttentionInputs {
  KvCache cache;
  AttentionBatch batch;
  Tensor q, k, v;
};

AttentionInputs attention_inputs(int positions, int tokens) {
  const int blocks = positions / kBlockSize + 1;
  AttentionInputs in{KvCache({kAttentionLayers, blocks, kBlockSize, kKvHeads, kHeadDim}),
                     {},
                     Tensor::empty({tokens, kHeads * kHeadDim}, DType::f32),
                     Tensor::empty({tokens, kKvHeads * kHeadDim}, DType::f32),
                     Tensor::empty({tokens, kKvHeads * kHeadDim}, DType::f32)};
  for (int t = positions - tokens; t < positions; ++t) {
    in.batch.token_sequence.push_back(0);
    in.batch.token_position.push_back(t);
  }
  BlockTable table(static_cast<size_t>(blocks));
  for (int b = 0; b < blocks; ++b) table[size_t(b)] = b;
  in.batch.block_tables = {table};
  fill(in.q.data<float>(), size_t(in.q.numel()), 7);
  fill(in.k.data<float>(), size_t(in.k.numel()), 8);
  fill(in.v.data<float>(), size_t(in.v.numel()), 9);
  return in;
}

void BM_paged_attention_decode(benchmark::State& state) {
  const auto positions = int(state.range(0));
  AttentionInputs in = attention_inputs(positions, 1);
  for (int layer = 0; layer < kAttentionLayers; ++layer) {
    fill(in.cache.keys(layer).data<float>(), size_t(in.cache.keys(layer).numel()), uint32_t(2 * layer + 1));
    fill(in.cache.values(layer).data<float>(), size_t(in.cache.values(layer).numel()),
         uint32_t(2 * layer + 2));
  }
  std::vector<uint8_t> evict(size_t(256) << 20, 1);  // larger than the last-level cache
  uint64_t sink = 0;
  for (auto _ : state) {
    state.PauseTiming();
    for (size_t i = 0; i < evict.size(); i += 64) sink += evict[i]++;
    state.ResumeTiming();
    for (int layer = 0; layer < kAttentionLayers; ++layer) {
      Tensor out = paged_attention(in.q, in.k, in.v, in.cache, layer, in.batch);
      benchmark::DoNotOptimize(out.data<float>());
    }
  }
  benchmark::DoNotOptimize(sink);
  const double bytes = double(kAttentionLayers) * positions * kKvHeads * kHeadDim * sizeof(float) * 2;
  state.counters["GB/s_kv"] =
      benchmark::Counter(bytes * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["threads"] = cpu_thread_pool().num_threads();
}

// A prefill's attention: `tokens` new tokens of one sequence (positions 0 ..), causal.
void BM_paged_attention_prefill(benchmark::State& state) {
  const auto tokens = int(state.range(0));
  AttentionInputs in = attention_inputs(tokens, tokens);
  for (auto _ : state) {
    for (int layer = 0; layer < kAttentionLayers; ++layer) {
      Tensor out = paged_attention(in.q, in.k, in.v, in.cache, layer, in.batch);
      benchmark::DoNotOptimize(out.data<float>());
    }
  }
  // Multiply-adds of the causal scores and outputs: heads x tokens (tokens + 1) / 2 x head_dim, twice.
  const double flops = double(kAttentionLayers) * kHeads * tokens * (tokens + 1) / 2.0 * kHeadDim * 2 * 2;
  state.counters["GFLOP/s"] =
      benchmark::Counter(flops * double(state.iterations()) / 1e9, benchmark::Counter::kIsRate);
  state.counters["threads"] = cpu_thread_pool().num_threads();
}

void shapes(benchmark::internal::Benchmark* b) {
  for (int64_t t : {1, 512})
    for (int64_t n : {2048, 8192, 128256}) b->Args({t, n});
  b->ArgNames({"T", "N"})->Unit(benchmark::kMillisecond)->UseRealTime();
}

BENCHMARK(BM_memory_read)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_paged_attention_decode)->Arg(544)->Arg(2048)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(BM_paged_attention_prefill)->Arg(512)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(BM_linear, bf16, DType::bf16)->Apply(shapes);
BENCHMARK_CAPTURE(BM_linear, f32, DType::f32)->Apply(shapes);
#ifdef CHUNKWISE_HAVE_OPENBLAS
BENCHMARK(BM_openblas_f32)->Apply(shapes);
#endif

}  // namespace
}  // namespace chunkwise::runtime

BENCHMARK_MAIN();
