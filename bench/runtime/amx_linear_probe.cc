// The AMX product's plans (runtime/cpu/linear_amx.h) timed against the default plan in the same run, at
// Llama-3.2-1B's prefill shapes (512 rows); every plan's output compared bit for bit with the default's.
// Also the weight packing alone (gather against transpose), which needs AVX-512 only.
//   amx_linear_probe [--reps N] [--rows R] [--terms 3,1]      threads: CHUNKWISE_THREADS (default: all)
// Prints markdown tables. On a CPU without AMX only the packing table is printed. On the GPU machine's host
// (no CMake dependencies there; fmt and nlohmann headers carried in .device/benchgen/include, see
// bench/generate/run_on_device.sh):
//   g++ -std=c++20 -O3 -DNDEBUG -DFMT_HEADER_ONLY -Isrc -idirafter .device/benchgen/include -pthread
//     $(find src/common src/runtime -name '*.cc') bench/runtime/amx_linear_probe.cc -o /tmp/amx_linear_probe
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "runtime/cpu/linear_amx.h"
#include "runtime/thread_pool.h"

namespace {

using chunkwise::runtime::BFloat16;
using chunkwise::runtime::to_bfloat16;
using chunkwise::runtime::cpu::AmxLinearPlan;

struct Shape {
  const char* name;
  int64_t n, k;
};
constexpr Shape kShapes[] = {{"q/o 2048x2048", 2048, 2048},
                             {"k/v 512x2048", 512, 2048},
                             {"gate/up 8192x2048", 8192, 2048},
                             {"down 2048x8192", 2048, 8192}};

struct NamedPlan {
  const char* name;
  AmxLinearPlan plan;
};

std::vector<NamedPlan> plans() {
  using Pack = AmxLinearPlan::Pack;
  return {
      {"default", {}},
      {"transpose pack", {.pack = Pack::transpose}},
      {"L1 passes of 8 steps", {.l1_steps = 8}},
      {"L1 passes of 4 steps", {.l1_steps = 4}},
      {"L1 passes of 2 steps", {.l1_steps = 2}},
      {"L1 4, transpose", {.l1_steps = 4, .pack = Pack::transpose}},
      {"prefetch next block", {.prefetch = true}},
      {"L1 4, prefetch", {.l1_steps = 4, .prefetch = true}},
      {"L1 2, prefetch", {.l1_steps = 2, .prefetch = true}},
      {"L1 4, transpose, prefetch", {.l1_steps = 4, .pack = Pack::transpose, .prefetch = true}},
      {"L1 4, K blocks of 32 steps", {.k_block_steps = 32, .l1_steps = 4}},
      {"L1 4, 512-column tasks", {.task_columns = 512, .l1_steps = 4}},
      {"L1 4, 256-row tasks", {.task_rows = 256, .l1_steps = 4}},
  };
}

double seconds_now() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

double best_of(int reps, const std::function<void()>& call) {
  call();  // warm-up: buffers, page faults, tile state
  double best = 1e30;
  for (int r = 0; r < reps; ++r) {
    const double start = seconds_now();
    call();
    best = std::min(best, seconds_now() - start);
  }
  return best;
}

// Deterministic values in [-1, 1) (inputs) and [-0.02, 0.02) (weights, as bf16).
std::vector<float> inputs(size_t count, uint32_t seed) {
  std::vector<float> out(count);
  for (float& v : out) {
    seed = seed * 1664525u + 1013904223u;
    v = float(seed >> 8) / float(1 << 23) - 1.0f;
  }
  return out;
}

std::vector<BFloat16> weights(size_t count, uint32_t seed) {
  std::vector<BFloat16> out;
  out.reserve(count);
  for (float v : inputs(count, seed)) out.push_back(to_bfloat16(0.02f * v));
  return out;
}

void pack_table(int reps) {
  std::printf(
      "\n| weight packing, one thread | gather, ms | transpose, ms | gather / transpose "
      "|\n|---|---:|---:|---:|\n");
  for (const Shape& shape : kShapes) {
    const std::vector<BFloat16> w = weights(size_t(shape.n * shape.k), 3);
    const int64_t steps = shape.k / 32;
    std::vector<uint16_t> tiles(size_t(steps * 2 * 512));
    double times[2];
    for (int p = 0; p < 2; ++p) {
      const auto pack = p == 0 ? AmxLinearPlan::Pack::gather : AmxLinearPlan::Pack::transpose;
      times[p] = best_of(reps, [&] {
        for (int64_t n0 = 0; n0 < shape.n; n0 += 32)
          chunkwise::runtime::cpu::pack_weight_tiles(w.data(), shape.n, shape.k, n0, 0, steps, tiles.data(),
                                                     pack);
      });
    }
    std::printf("| %s | %.3f | %.3f | %.2fx |\n", shape.name, times[0] * 1e3, times[1] * 1e3,
                times[0] / times[1]);
  }
}

void product_table(int reps, int64_t rows, int terms) {
  std::printf(
      "\n%lld rows, %d term(s), %d threads: ms (best of %d), tile TFLOP/s, default / plan\n\n| plan |",
      static_cast<long long>(rows), terms, chunkwise::runtime::cpu_thread_pool().num_threads(), reps);
  for (const Shape& shape : kShapes) std::printf(" %s |", shape.name);
  std::printf(" sum, ms | default / plan | bits as default |\n|---|");
  for (size_t i = 0; i < std::size(kShapes) + 3; ++i) std::printf("---:|");
  std::printf("\n");
  struct Operands {
    std::vector<float> x;
    std::vector<BFloat16> w;
    std::vector<float> expected, y;
  };
  std::vector<Operands> operands;
  for (const Shape& shape : kShapes)
    operands.push_back({inputs(size_t(rows * shape.k), 1), weights(size_t(shape.n * shape.k), 2),
                        std::vector<float>(size_t(rows * shape.n)),
                        std::vector<float>(size_t(rows * shape.n))});
  double default_sum = 0;
  for (const NamedPlan& named : plans()) {
    std::printf("| %s |", named.name);
    double sum = 0;
    bool same = true;
    for (size_t s = 0; s < std::size(kShapes); ++s) {
      const Shape& shape = kShapes[s];
      Operands& o = operands[s];
      const bool is_default = std::strcmp(named.name, "default") == 0;
      std::vector<float>& out = is_default ? o.expected : o.y;
      const double t = best_of(reps, [&] {
        chunkwise::runtime::cpu::linear_bf16_amx(o.x.data(), o.w.data(), nullptr, out.data(), rows, shape.n,
                                                 shape.k, terms, named.plan);
      });
      if (!is_default)
        same = same && std::memcmp(o.y.data(), o.expected.data(), o.y.size() * sizeof(float)) == 0;
      sum += t;
      std::printf(" %.3f (%.2f) |", t * 1e3, 2.0 * double(rows * shape.n * shape.k) * terms / t / 1e12);
    }
    if (default_sum == 0) default_sum = sum;
    std::printf(" %.3f | %.3fx | %s |\n", sum * 1e3, default_sum / sum, same ? "yes" : "NO");
  }
}

}  // namespace

int main(int argc, char** argv) {
  int reps = 5;
  int64_t rows = 512;
  std::vector<int> terms = {3, 1};
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (i + 1 < argc && arg == "--reps") {
      reps = std::max(1, std::atoi(argv[++i]));
    } else if (i + 1 < argc && arg == "--rows") {
      rows = std::max(1, std::atoi(argv[++i]));
    } else if (i + 1 < argc && arg == "--terms") {
      terms.clear();
      for (const char* p = argv[++i]; *p; ++p)
        if (*p >= '1' && *p <= '3') terms.push_back(*p - '0');
    } else {
      std::fprintf(stderr, "usage: amx_linear_probe [--reps N] [--rows R] [--terms 3,1]\n");
      return 2;
    }
  }
  if (!__builtin_cpu_supports("avx512f") || !__builtin_cpu_supports("avx512bw")) {
    std::printf("this CPU has no AVX-512: nothing to time\n");
    return 0;
  }
  pack_table(reps);
  if (!chunkwise::runtime::cpu::amx_available()) {
    std::printf("\nthis CPU has no AMX (or Linux did not grant the tile state): products not timed\n");
    return 0;
  }
  for (int t : terms) product_table(reps, rows, t);
  return 0;
}
