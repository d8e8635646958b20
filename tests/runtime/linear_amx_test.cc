// The AMX product's internals: the weight packing (AVX-512, checked on any CPU that has it) and the plans,
// which must all give the default plan's bits (AMX CPUs only: scripts/runtime_tests_on_device.sh runs them
// on the GPU machine's host).
#include "runtime/cpu/linear_amx.h"

#include <gtest/gtest.h>

#include <cstring>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "amx_test_plans.h"
#include "test_tensors.h"

namespace chunkwise::runtime::cpu {
namespace {

std::vector<BFloat16> random_bf16(size_t count, uint32_t seed) {
  std::vector<BFloat16> out;
  for (float v : random_floats(count, seed)) out.push_back(to_bfloat16(v));
  return out;
}

uint16_t bits_of(BFloat16 value) {
  uint16_t bits;
  std::memcpy(&bits, &value, sizeof bits);
  return bits;
}

bool has_avx512() {
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw");
}

TEST(AmxWeightPacking, BothPacksWriteTheTileLayout) {
  if (!has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512";
  // n 70: a whole 32-column block, a block with a partial second half, one with 6 columns; k 200: six whole
  // 32-input steps and a tail of 8; k 134: odd pairs count in the tail; k 37: odd K (scalar path).
  for (int64_t k : {int64_t(200), int64_t(134), int64_t(37)}) {
    const int64_t n = 70, steps = (k + 31) / 32;
    const std::vector<BFloat16> w = random_bf16(size_t(n * k), 5);
    for (int64_t n0 : {int64_t(0), int64_t(32), int64_t(64)})
      for (auto [s0, s1] :
           {std::pair<int64_t, int64_t>{0, steps}, std::pair<int64_t, int64_t>{1, steps - 1}}) {
        if (s1 <= s0) continue;
        SCOPED_TRACE(testing::Message() << "k " << k << " n0 " << n0 << " steps " << s0 << ".." << s1);
        const size_t size = size_t((s1 - s0) * 2 * 512);
        std::vector<uint16_t> expected(size);
        for (int64_t s = s0; s < s1; ++s)
          for (int64_t h = 0; h < 2; ++h)
            for (int64_t p = 0; p < 16; ++p)
              for (int64_t c = 0; c < 16; ++c)
                for (int64_t e = 0; e < 2; ++e) {
                  const int64_t column = n0 + 16 * h + c, input = 32 * s + 2 * p + e;
                  expected[size_t(((s - s0) * 2 + h) * 512 + (p * 16 + c) * 2 + e)] =
                      column < n && input < k ? bits_of(w[size_t(column * k + input)]) : 0;
                }
        for (auto pack : {AmxLinearPlan::Pack::gather, AmxLinearPlan::Pack::transpose}) {
          std::vector<uint16_t> tiles(size, 0xFFFF);
          pack_weight_tiles(w.data(), n, k, n0, s0, s1, tiles.data(), pack);
          EXPECT_EQ(tiles, expected) << (pack == AmxLinearPlan::Pack::gather ? "gather" : "transpose");
        }
      }
  }
}

TEST(AmxLinearPlan, SizesThatAreNotMultiplesOf32AreRefused) {
  const float x[1] = {0};
  const BFloat16 w[1] = {};
  float y[1];
  for (AmxLinearPlan plan : {AmxLinearPlan{.task_rows = 100}, AmxLinearPlan{.task_columns = 0},
                             AmxLinearPlan{.k_block_steps = -1}, AmxLinearPlan{.l1_steps = -2}}) {
    try {
      linear_bf16_amx(x, w, nullptr, y, 1, 1, 1, 3, plan);
      ADD_FAILURE() << "accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find("multiples of 32"), std::string::npos) << e.what();
    }
  }
}

TEST(AmxLinearPlan, ParsesWhatDescribeWrites) {
  const AmxLinearPlan plan = parse_amx_linear_plan("l1_steps=4,pack=transpose,prefetch=1,task_rows=256");
  EXPECT_EQ(plan.task_rows, 256);
  EXPECT_EQ(plan.task_columns, AmxLinearPlan{}.task_columns);
  EXPECT_EQ(plan.l1_steps, 4);
  EXPECT_EQ(plan.pack, AmxLinearPlan::Pack::transpose);
  EXPECT_TRUE(plan.prefetch);
  EXPECT_EQ(describe(plan),
            "task_rows=256,task_columns=256,k_block_steps=0,l1_steps=4,pack=transpose,prefetch=1");
  const AmxLinearPlan again = parse_amx_linear_plan(describe(plan));
  EXPECT_EQ(describe(again), describe(plan));
  EXPECT_EQ(describe(parse_amx_linear_plan("")), describe(AmxLinearPlan{}));
}

TEST(AmxLinearPlan, UnreadableSpecsAreRefusedWithTheReason) {
  const std::pair<const char*, const char*> cases[] = {
      {"l1_steps", "is not key=value"},         {"l1_steps=four", "is not a whole number"},
      {"l1_steps=4x", "is not a whole number"}, {"pack=scatter", "neither gather nor transpose"},
      {"prefetch=yes", "neither 0 nor 1"},      {"threads=4", "unknown key 'threads'"},
      {"task_rows=100", "multiples of 32"},     {"k_block_steps=-1", "not negative"},
  };
  for (const auto& [spec, reason] : cases) {
    try {
      parse_amx_linear_plan(spec);
      ADD_FAILURE() << spec << " accepted";
    } catch (const std::invalid_argument& e) {
      EXPECT_NE(std::string(e.what()).find(reason), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(spec), std::string::npos) << e.what();
    }
  }
}

TEST(AmxLinearPlan, EveryPlanGivesTheDefaultPlansBits) {
  if (!amx_available()) GTEST_SKIP() << "this CPU has no AMX (scripts/runtime_tests_on_device.sh runs it)";
  // 160 rows: a task of 128 and a partial one; n 200: a partial last column block; k 1100: K blocks of 512
  // inputs and a tail of 76 (an odd number of steps for the L1 passes).
  const int64_t rows = 160, n = 200, k = 1100;
  const std::vector<float> x = random_floats(size_t(rows * k), 7), bias = random_floats(size_t(n), 8);
  const std::vector<BFloat16> w = random_bf16(size_t(n * k), 9);
  const std::vector<AmxLinearPlan> plans = amx_test_plans();
  for (int terms : {1, 2, 3}) {
    std::vector<float> expected(size_t(rows * n));
    linear_bf16_amx(x.data(), w.data(), bias.data(), expected.data(), rows, n, k, terms);
    for (size_t i = 0; i < plans.size(); ++i) {
      SCOPED_TRACE(testing::Message() << "terms " << terms << " plan " << i);
      std::vector<float> y(size_t(rows * n), -1.0f);
      linear_bf16_amx(x.data(), w.data(), bias.data(), y.data(), rows, n, k, terms, plans[i]);
      EXPECT_EQ(std::memcmp(y.data(), expected.data(), y.size() * sizeof(float)), 0);
    }
  }
}

}  // namespace
}  // namespace chunkwise::runtime::cpu
