// Each op against a naive reference in double precision, on every device the build has.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/ops/add.h"
#include "runtime/ops/argmax.h"
#include "runtime/ops/embedding.h"
#include "runtime/ops/linear.h"
#include "runtime/ops/rms_norm.h"
#include "runtime/ops/silu_mul.h"
#include "runtime/ops/softmax.h"
#include "runtime/thread_pool.h"
#include "test_tensors.h"

namespace chunkwise::runtime {
namespace {

class Ops : public ::testing::TestWithParam<Device> {
 protected:
  Device device() const { return GetParam(); }
};

// ---- linear
// --------------------------------------------------------------------------------------------------

struct LinearCase {
  int64_t rows, n, k;
  DType weight_dtype;
  bool bias;
};

void check_linear_cases(Device device);

std::vector<double> reference_linear(const std::vector<float>& x, const std::vector<float>& w,
                                     const std::vector<float>* bias, int64_t rows, int64_t n, int64_t k) {
  std::vector<double> y(size_t(rows * n));
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t j = 0; j < n; ++j) {
      double sum = bias ? (*bias)[size_t(j)] : 0.0;
      for (int64_t i = 0; i < k; ++i) sum += double(x[size_t(t * k + i)]) * w[size_t(j * k + i)];
      y[size_t(t * n + j)] = sum;
    }
  return y;
}

TEST_P(Ops, LinearMatchesReferenceForEveryPathAndDtype) {
  for (cpu::CpuIsa isa : {cpu::CpuIsa::amx, cpu::CpuIsa::avx512, cpu::CpuIsa::avx2, cpu::CpuIsa::scalar}) {
    if (device() != Device::cpu && isa != cpu::CpuIsa::amx) continue;
    SCOPED_TRACE(testing::Message() << "CPU kernels up to " << int(cpu::limit_linear_isa(isa)));
    check_linear_cases(device());
  }
  cpu::limit_linear_isa(cpu::CpuIsa::amx);
}

// Each precision stays within its rounding bound: |error| <= 2^-b * sum |x_i w_i| (+ f32 accumulation), with
// b = 8 for inputs rounded to bf16 and 16 for two bf16 terms; f32 keeps the f32 bound. On CPUs with AMX the
// bf16 rounding must also be visible (the tiles were used); elsewhere every precision runs the f32 kernels.
TEST_P(Ops, LinearPrecisionBoundsTheInputRounding) {
  const int64_t rows = 64, n = 96, k = 160;
  auto x = random_floats(size_t(rows * k), 11);
  std::vector<float> w_rounded;
  Tensor w = float_tensor(random_floats(size_t(n * k), 12), {n, k}, DType::bf16, device(), &w_rounded);
  const std::vector<double> reference = reference_linear(x, w_rounded, nullptr, rows, n, k);
  std::vector<double> magnitude(size_t(rows * n));
  for (int64_t t = 0; t < rows; ++t)
    for (int64_t j = 0; j < n; ++j)
      for (int64_t i = 0; i < k; ++i)
        magnitude[size_t(t * n + j)] += std::abs(double(x[size_t(t * k + i)]) * w_rounded[size_t(j * k + i)]);
  const bool amx = device() == Device::cpu && cpu::limit_linear_isa(cpu::CpuIsa::amx) == cpu::CpuIsa::amx;
  std::vector<float> f32_result;
  for (auto [precision, bits] : {std::pair{MatmulPrecision::f32, 24}, std::pair{MatmulPrecision::bf16x2, 16},
                                 std::pair{MatmulPrecision::bf16, 8}}) {
    SCOPED_TRACE(testing::Message() << "precision " << to_string(precision) << (amx ? " (AMX)" : ""));
    const MatmulPrecision previous = set_matmul_precision(precision);
    const std::vector<float> y = to_host_floats(linear(f32_tensor(x, {rows, k}, device()), w));
    set_matmul_precision(previous);
    double worst = 0;  // error / bound
    for (size_t i = 0; i < y.size(); ++i) {
      const double bound = std::ldexp(magnitude[i], -bits) + 1e-6 * double(k) * (1e-5 + magnitude[i]);
      worst = std::max(worst, std::abs(double(y[i]) - reference[i]) / bound);
    }
    EXPECT_LE(worst, 1.0);
    if (precision == MatmulPrecision::f32) f32_result = y;
    if (precision == MatmulPrecision::bf16 && amx) {
      EXPECT_NE(y, f32_result);
    }
  }
}

void check_linear_cases(Device device) {
  // Row counts hit the GEMV path (< 8; 8, then 4 weight rows at a time, then the rest) and the GEMM path with
  // full and partial row tiles (6 AVX2, 12
  // AVX-512); N and K hit full and partial column strips (16, 32), 128-column blocks, 256-long K blocks, the
  // K tails.
  std::vector<LinearCase> cases = {
      {1, 64, 64, DType::f32, false},
      {1, 67, 35, DType::bf16, true},
      {3, 130, 300, DType::f16, false},
      {7, 33, 17, DType::bf16, false},
      {2, 76, 96, DType::bf16, true},       // GEMV: 8-row groups, then a 4-row group (76 = 9 x 8 + 4)
      {1, 2054, 2048, DType::bf16, false},  // GEMV: several tasks of 8-row groups, a 4-row and a 2-row tail
      {8, 16, 16, DType::f32, true},
      {13, 131, 513, DType::bf16, true},
      {37, 260, 270, DType::f16, true},
      {64, 256, 512, DType::f32, false},
      {9, 5, 3, DType::f32, true},
      {400, 40, 40, DType::bf16, true},  // more rows than one packed input block (384)
      // bf16 weights and >= 32 rows go to the AMX tiles where the CPU has them: full and partial 32 x 32
      // blocks and 64-column panels, K tails (odd K too), more panels than threads.
      {32, 32, 32, DType::bf16, false},
      {33, 70, 96, DType::bf16, true},
      {64, 130, 100, DType::bf16, false},
      {45, 17, 33, DType::bf16, true},
      {96, 1100, 64, DType::bf16, true},
      {160, 200, 1100, DType::bf16, true},  // AMX: K blocks of 512 (1024 with one term) inputs and a K tail
      {600, 40, 64, DType::bf16, false},    // AMX: row tasks of 128 rows and a partial one
      {2, 3, 0, DType::f32, true},          // no inputs: y = bias
  };
  for (const LinearCase& c : cases) {
    SCOPED_TRACE(testing::Message() << "rows " << c.rows << " n " << c.n << " k " << c.k << " weight "
                                    << to_string(c.weight_dtype) << " bias " << c.bias);
    auto x = random_floats(size_t(c.rows * c.k), 1);
    std::vector<float> w_rounded, bias_values = random_floats(size_t(c.n), 3);
    Tensor w =
        float_tensor(random_floats(size_t(c.n * c.k), 2), {c.n, c.k}, c.weight_dtype, device, &w_rounded);
    Tensor bias = f32_tensor(bias_values, {c.n}, device);
    Tensor y = linear(f32_tensor(x, {c.rows, c.k}, device), w, c.bias ? &bias : nullptr);
    ASSERT_EQ(y.shape(), (Shape{c.rows, c.n}));
    // f32 accumulation of k products of magnitude <= 1: error grows ~ sqrt(k) * 2^-24; 1e-5 * k bounds it.
    EXPECT_TRUE(all_close(to_host_floats(y),
                          reference_linear(x, w_rounded, c.bias ? &bias_values : nullptr, c.rows, c.n, c.k),
                          1e-6 * double(c.k), 1e-5));
  }
}

TEST_P(Ops, LinearGroupEqualsLinearOnEachProduct) {
  for (int64_t rows : {1, 3, 40}) {  // GEMV-sized (fused) and GEMM-sized (one by one)
    SCOPED_TRACE(testing::Message() << "rows " << rows);
    Tensor x = f32_tensor(random_floats(size_t(rows * 96), 21), {rows, 96}, device());
    Tensor x_other = f32_tensor(random_floats(size_t(rows * 40), 22), {rows, 40}, device());
    Tensor w_bf16 = float_tensor(random_floats(130 * 96, 23), {130, 96}, DType::bf16, device());
    Tensor w_f16 = float_tensor(random_floats(7 * 96, 24), {7, 96}, DType::f16, device());
    Tensor w_f32 = f32_tensor(random_floats(300 * 40, 25), {300, 40}, device());
    Tensor bias = f32_tensor(random_floats(7, 26), {7}, device());
    const std::vector<LinearProduct> products = {{&x, &w_bf16}, {&x, &w_f16, &bias}, {&x_other, &w_f32}};
    const std::vector<Tensor> grouped = linear_group(products);
    ASSERT_EQ(grouped.size(), 3u);
    for (size_t i = 0; i < products.size(); ++i)
      EXPECT_EQ(to_host_floats(grouped[i]),
                to_host_floats(linear(*products[i].x, *products[i].weight, products[i].bias)))
          << "product " << i;
  }
}

TEST_P(Ops, LinearKeepsLeadingAxesAndWritesIntoGivenOutput) {
  auto x = random_floats(2 * 3 * 8, 4);
  auto w = random_floats(5 * 8, 5);
  Tensor out = Tensor::empty({2, 3, 5}, DType::f32, device());
  linear_into(f32_tensor(x, {2, 3, 8}, device()), f32_tensor(w, {5, 8}, device()), nullptr, out);
  EXPECT_TRUE(all_close(to_host_floats(out), reference_linear(x, w, nullptr, 6, 5, 8), 1e-6, 1e-6));
}

TEST_P(Ops, LinearIsTheSameWithOneThreadAndMany) {
  auto x = random_floats(20 * 96, 6);
  Tensor w = float_tensor(random_floats(300 * 96, 7), {300, 96}, DType::bf16, device());
  Tensor xt = f32_tensor(x, {20, 96}, device());
  set_cpu_thread_count(1);
  auto one = to_host_floats(linear(xt, w));
  auto one_gemv = to_host_floats(linear(xt.rows(0, 2), w));
  set_cpu_thread_count(4);
  EXPECT_EQ(to_host_floats(linear(xt, w)), one);  // same blocking → bit-identical
  EXPECT_EQ(to_host_floats(linear(xt.rows(0, 2), w)), one_gemv);
  set_cpu_thread_count(default_thread_count());
}

TEST_P(Ops, LinearShapeErrorsSayWhatIsWrong) {
  Tensor x = f32_tensor(random_floats(12, 1), {3, 4}, device());
  Tensor w = f32_tensor(random_floats(10, 1), {2, 5}, device());
  EXPECT_TRUE(
      fails_with([&] { linear(x, w); }, "linear: input [3, 4] has 4 features but weight [2, 5] expects 5"));
  Tensor w2 = f32_tensor(random_floats(8, 1), {2, 4}, device());
  Tensor bad_bias = f32_tensor(random_floats(3, 1), {3}, device());
  EXPECT_TRUE(fails_with([&] { linear(x, w2, &bad_bias); }, "linear: bias [3] must be [2]"));
  Tensor ids = i32_tensor({1, 2, 3}, {3}, device());
  EXPECT_TRUE(fails_with([&] { linear(ids, w2); }, "linear: input must be f32, got i32 [3]"));
  Tensor out = Tensor::empty({3, 3}, DType::f32, device());
  EXPECT_TRUE(fails_with([&] { linear_into(x, w2, nullptr, out); }, "linear: output [3, 3] must be [3, 2]"));
  EXPECT_TRUE(fails_with([&] { linear(x, f32_tensor(random_floats(8, 1), {8}, device())); },
                         "linear: weight must have 2 dimensions, got shape [8]"));
}

// ---- rms_norm
// --------------------------------------------------------------------------------------------------

std::vector<double> reference_rms_norm(const std::vector<float>& x, const std::vector<float>& w, double eps) {
  size_t group = w.size();
  std::vector<double> y(x.size());
  for (size_t g = 0; g < x.size() / group; ++g) {
    double sum = 0;
    for (size_t i = 0; i < group; ++i) sum += double(x[g * group + i]) * x[g * group + i];
    double inverse = 1.0 / std::sqrt(sum / double(group) + eps);
    for (size_t i = 0; i < group; ++i) y[g * group + i] = x[g * group + i] * inverse * w[i];
  }
  return y;
}

TEST_P(Ops, RmsNormOverRowsAndPerHead) {
  auto x = random_floats(5 * 64, 8, -3, 3);
  std::vector<float> w_rounded;
  Tensor w = float_tensor(random_floats(64, 9, 0.5, 1.5), {64}, DType::bf16, device(), &w_rounded);
  Tensor y = rms_norm(f32_tensor(x, {5, 64}, device()), w, 1e-6f);
  EXPECT_TRUE(all_close(to_host_floats(y), reference_rms_norm(x, w_rounded, 1e-6), 1e-6, 1e-5));
  // Qwen3 q norm: [T, heads * head_dim] normalized per head with a [head_dim] weight.
  auto head_w = random_floats(16, 10, 0.5, 1.5);
  Tensor y_heads = rms_norm(f32_tensor(x, {5, 64}, device()), f32_tensor(head_w, {16}, device()), 1e-5f);
  EXPECT_TRUE(all_close(to_host_floats(y_heads), reference_rms_norm(x, head_w, 1e-5), 1e-6, 1e-5));
  EXPECT_TRUE(fails_with(
      [&] {
        rms_norm(f32_tensor(x, {5, 64}, device()), f32_tensor(head_w, {16}, device()).rows(0, 12), 1e-5f);
      },
      "rms_norm: input [5, 64] last dimension must be a multiple of the weight size 12"));
}

// ---- element-wise and row-wise
// -----------------------------------------------------------------------------------

TEST_P(Ops, SiluMulAndAdd) {
  auto gate = random_floats(3 * 40, 11, -8, 8);
  auto up = random_floats(3 * 40, 12, -2, 2);
  std::vector<double> expected_silu(gate.size()), expected_sum(gate.size());
  for (size_t i = 0; i < gate.size(); ++i) {
    expected_silu[i] = gate[i] / (1 + std::exp(-double(gate[i]))) * up[i];
    expected_sum[i] = double(gate[i]) + up[i];
  }
  Tensor g = f32_tensor(gate, {3, 40}, device()), u = f32_tensor(up, {3, 40}, device());
  EXPECT_TRUE(all_close(to_host_floats(silu_mul(g, u)), expected_silu, 1e-6, 1e-5));
  EXPECT_TRUE(all_close(to_host_floats(add(g, u)), expected_sum, 0, 1e-7));
  add_inplace(g, u);
  EXPECT_TRUE(all_close(to_host_floats(g), expected_sum, 0, 1e-7));
  EXPECT_TRUE(fails_with(
      [&] {
        silu_mul(g, u.reshape({40, 3}));
      },
      "silu_mul: gate [3, 40] and up [40, 3] must have the same shape"));
  EXPECT_TRUE(
      fails_with([&] { add(g, u.reshape({120})); }, "add: a [3, 40] and b [120] must have the same shape"));
}

TEST_P(Ops, EmbeddingGathersRowsOfAnyDtype) {
  for (DType dtype : {DType::f32, DType::f16, DType::bf16}) {
    std::vector<float> rounded;
    Tensor table = float_tensor(random_floats(10 * 6, 13), {10, 6}, dtype, device(), &rounded);
    std::vector<int32_t> ids = {3, 0, 9, 3};
    Tensor rows = embedding(i32_tensor(ids, {4}, device()), table);
    ASSERT_EQ(rows.shape(), (Shape{4, 6}));
    std::vector<double> expected;
    for (int32_t id : ids)
      for (int i = 0; i < 6; ++i) expected.push_back(rounded[size_t(id * 6 + i)]);
    EXPECT_TRUE(all_close(to_host_floats(rows), expected, 0, 0)) << to_string(dtype);
    EXPECT_TRUE(fails_with(
        [&] {
          embedding(i32_tensor({1, 10}, {2}, device()), table);
        },
        "embedding: token id 10 (at 1) out of range [0, 10)"));
    EXPECT_TRUE(fails_with([&] { embedding(i32_tensor({-1}, {1}, device()), table); }, "token id -1"));
  }
}

TEST_P(Ops, SoftmaxIsStableAndArgmaxTakesTheFirstMaximum) {
  std::vector<float> x = {1000, 1001, 1002, -5, 0, 5, 2, 7, 7};
  Tensor t = f32_tensor(x, {3, 3}, device());
  std::vector<double> expected;
  for (int r = 0; r < 3; ++r) {
    double max = std::max({x[r * 3], x[r * 3 + 1], x[r * 3 + 2]}), sum = 0;
    for (int i = 0; i < 3; ++i) sum += std::exp(x[r * 3 + i] - max);
    for (int i = 0; i < 3; ++i) expected.push_back(std::exp(x[r * 3 + i] - max) / sum);
  }
  EXPECT_TRUE(all_close(to_host_floats(softmax(t)), expected, 1e-7, 1e-6));
  EXPECT_EQ(to_host_ints(argmax(t)), (std::vector<int32_t>{2, 2, 1}));
  EXPECT_EQ(argmax(t).shape(), (Shape{3}));
  EXPECT_TRUE(fails_with([&] { softmax(i32_tensor({1}, {1}, device())); }, "softmax: input must be f32"));
}

// ---- debug dump
// ----------------------------------------------------------------------------------------------

TEST_P(Ops, NamedOutputsAreDumpedWhenADirectoryIsSet) {
  auto dir = std::filesystem::temp_directory_path() / ("chunkwise_dump_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  set_debug_dump_dir(dir.string());
  Tensor a = f32_tensor({1, 2, 3, 4}, {2, 2}, device());
  add(a, a, "layer0.residual");
  add(a, a);  // unnamed: not dumped
  set_debug_dump_dir("");
  std::ifstream raw(dir / "layer0.residual.f32", std::ios::binary);
  std::vector<float> values(4);
  raw.read(reinterpret_cast<char*>(values.data()), 16);
  EXPECT_EQ(values, (std::vector<float>{2, 4, 6, 8}));
  std::ifstream index_file(dir / "index.json");
  std::string index((std::istreambuf_iterator<char>(index_file)), std::istreambuf_iterator<char>());
  EXPECT_NE(index.find(R"({"name": "layer0.residual", "file": "layer0.residual.f32", "shape": [2, 2]})"),
            std::string::npos)
      << index;
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Devices, Ops, ::testing::Values(Device::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace chunkwise::runtime
