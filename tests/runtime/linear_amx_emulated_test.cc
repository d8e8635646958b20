// The AMX product's code (runtime/cpu/linear_amx_cpu.cc) compiled against a scalar model of the tile
// instructions, so that its blocking, tails, terms and plans are checked on CPUs without AMX (the CI
// machines): the tile registers are arrays and TDPBF16PS adds its products as Intel's pseudo-code writes it.
// Real tiles round their sums differently, so the bits are compared among plans and the values against a
// double-precision reference; linear_amx_test.cc and ops_test.cc check the real tiles where they exist.
#include <gtest/gtest.h>
#include <immintrin.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

namespace amx_model {

struct Tiles {
  alignas(64) unsigned char data[8][1024] = {};
  int rows[8] = {};
  int row_bytes[8] = {};
};
thread_local Tiles tiles;
thread_local bool configured = false;

inline void load_config(const void* config) {
  const auto* bytes = static_cast<const unsigned char*>(config);
  if (bytes[0] != 1) throw std::logic_error("AMX model: palette must be 1");
  for (int t = 0; t < 8; ++t) {
    uint16_t row_bytes;
    std::memcpy(&row_bytes, bytes + 16 + 2 * t, 2);
    tiles.row_bytes[t] = row_bytes;
    tiles.rows[t] = bytes[48 + t];
    if (row_bytes > 64 || tiles.rows[t] > 16) throw std::logic_error("AMX model: tile shape too large");
  }
  configured = true;
}
inline void require_config() {
  if (!configured) throw std::logic_error("AMX model: tile used before _tile_loadconfig");
}
inline void release() {
  configured = false;
}
inline void load(int t, const void* base, long stride) {
  require_config();
  for (int r = 0; r < tiles.rows[t]; ++r)
    std::memcpy(tiles.data[t] + 64 * r, static_cast<const unsigned char*>(base) + r * stride,
                size_t(tiles.row_bytes[t]));
}
inline void store(int t, void* base, long stride) {
  require_config();
  for (int r = 0; r < tiles.rows[t]; ++r)
    std::memcpy(static_cast<unsigned char*>(base) + r * stride, tiles.data[t] + 64 * r,
                size_t(tiles.row_bytes[t]));
}
inline void zero(int t) {
  require_config();
  std::memset(tiles.data[t], 0, sizeof tiles.data[t]);
}
inline float widen(const unsigned char* bf16) {
  uint16_t half;
  std::memcpy(&half, bf16, 2);
  const uint32_t bits = uint32_t(half) << 16;
  float value;
  std::memcpy(&value, &bits, 4);
  return value;
}
// C[m][n] += A[m][2p] B[p][2n] + A[m][2p + 1] B[p][2n + 1] for every pair row p of B.
inline void dot_bf16(int c, int a, int b) {
  require_config();
  for (int m = 0; m < tiles.rows[a]; ++m)
    for (int n = 0; n < tiles.row_bytes[b] / 4; ++n) {
      float sum;
      std::memcpy(&sum, tiles.data[c] + 64 * m + 4 * n, 4);
      for (int p = 0; p < tiles.row_bytes[a] / 4; ++p) {
        sum += widen(tiles.data[a] + 64 * m + 4 * p) * widen(tiles.data[b] + 64 * p + 4 * n);
        sum += widen(tiles.data[a] + 64 * m + 4 * p + 2) * widen(tiles.data[b] + 64 * p + 4 * n + 2);
      }
      std::memcpy(tiles.data[c] + 64 * m + 4 * n, &sum, 4);
    }
}

}  // namespace amx_model

#undef _tile_loadd
#undef _tile_stored
#undef _tile_zero
#undef _tile_dpbf16ps
#define _tile_loadconfig(config) amx_model::load_config(config)
#define _tile_release() amx_model::release()
#define _tile_loadd(t, base, stride) amx_model::load(t, base, stride)
#define _tile_stored(t, base, stride) amx_model::store(t, base, stride)
#define _tile_zero(t) amx_model::zero(t)
#define _tile_dpbf16ps(c, a, b) amx_model::dot_bf16(c, a, b)
// The library's own definitions stay; these are the same code under other names.
#define amx_available modelled_amx_available
#define linear_bf16_amx modelled_linear_bf16_amx
#define pack_weight_tiles modelled_pack_weight_tiles
#include "amx_test_plans.h"
#include "runtime/cpu/linear_amx_cpu.cc"
#include "test_tensors.h"

namespace chunkwise::runtime::cpu {
namespace {

struct Problem {
  int64_t rows, n, k;
};

// The kernel's input split and weight packing are AVX-512 code: only the tiles are modelled.
bool has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

// |y - reference| <= 2^-b sum |x w| + f32 accumulation, b = 8 / 16 / 24 mantissa bits kept by 1 / 2 / 3
// terms.
void expect_within_rounding(const std::vector<float>& y, const std::vector<float>& x,
                            const std::vector<BFloat16>& w, const std::vector<float>& bias, const Problem& p,
                            int terms) {
  double worst = 0;
  for (int64_t r = 0; r < p.rows; ++r)
    for (int64_t j = 0; j < p.n; ++j) {
      double sum = bias[size_t(j)], magnitude = 0;
      for (int64_t i = 0; i < p.k; ++i) {
        const double product = double(x[size_t(r * p.k + i)]) * double(to_float(w[size_t(j * p.k + i)]));
        sum += product;
        magnitude += std::abs(product);
      }
      const double bound = std::ldexp(magnitude, -8 * terms) + 1e-6 * double(p.k) * (1e-5 + magnitude);
      worst = std::max(worst, std::abs(double(y[size_t(r * p.n + j)]) - sum) / bound);
    }
  EXPECT_LE(worst, 1.0);
}

TEST(AmxLinearModel, EveryPlanAndTermCountMatchesTheReference) {
  // 1 term rounds inputs to bf16 (the bound says so); 3 terms keep f32. Shapes: a partial 32 x 32 block, a
  // partial second task of rows, odd K, K tails in and past a K block, more column blocks than one task.
  if (!has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  const std::vector<Problem> problems = {{33, 70, 96}, {45, 17, 33}, {160, 200, 1100}, {64, 300, 64}};
  std::vector<AmxLinearPlan> plans = amx_test_plans();
  plans.insert(plans.begin(), AmxLinearPlan{});  // the first one is the default
  for (const Problem& p : problems) {
    const std::vector<float> x = random_floats(size_t(p.rows * p.k), 21),
                             bias = random_floats(size_t(p.n), 22);
    std::vector<BFloat16> w;
    for (float v : random_floats(size_t(p.n * p.k), 23)) w.push_back(to_bfloat16(v));
    for (int terms : {1, 2, 3}) {
      std::vector<float> first;
      for (size_t i = 0; i < plans.size(); ++i) {
        SCOPED_TRACE(testing::Message() << "rows " << p.rows << " n " << p.n << " k " << p.k << " terms "
                                        << terms << " plan " << i);
        std::vector<float> y(size_t(p.rows * p.n), -7.0f);
        modelled_linear_bf16_amx(x.data(), w.data(), bias.data(), y.data(), p.rows, p.n, p.k, terms,
                                 plans[i]);
        if (i == 0) {
          expect_within_rounding(y, x, w, bias, p, terms);
          first = y;
        } else {
          EXPECT_EQ(std::memcmp(y.data(), first.data(), y.size() * sizeof(float)), 0);
        }
      }
    }
  }
}

TEST(AmxLinearModel, MoreTermsAreCloserToTheF32Product) {
  // The terms are really used: 1 term differs from 3 on inputs that bf16 cannot hold.
  if (!has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  const Problem p{32, 32, 64};
  const std::vector<float> x = random_floats(size_t(p.rows * p.k), 31), bias(size_t(p.n), 0.0f);
  std::vector<BFloat16> w;
  for (float v : random_floats(size_t(p.n * p.k), 32)) w.push_back(to_bfloat16(v));
  std::vector<float> one(size_t(p.rows * p.n)), three(size_t(p.rows * p.n));
  modelled_linear_bf16_amx(x.data(), w.data(), bias.data(), one.data(), p.rows, p.n, p.k, 1, {});
  modelled_linear_bf16_amx(x.data(), w.data(), bias.data(), three.data(), p.rows, p.n, p.k, 3, {});
  EXPECT_NE(one, three);
  expect_within_rounding(three, x, w, bias, p, 3);
}

}  // namespace
}  // namespace chunkwise::runtime::cpu
