// y = x · Wᵀ (+ bias): x [..., K] f32, weight [N, K] f32/f16/bf16 (as stored by Hugging Face: one row per
// output), bias [N] (any float dtype) or null. Returns f32 [..., N]. 16-bit weights are converted to f32
// inside the kernel.
#pragma once

#include <span>
#include <string_view>
#include <vector>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

// How a product may round its f32 inputs where a faster unit needs 16-bit ones (today: bf16 weights times
// many rows on CPUs with AMX tiles; see cpu/linear_amx.h).
//   f32     inputs kept to f32 accuracy (on AMX: split into three bf16 terms). The default.
//   bf16x2  inputs kept to 16 mantissa bits (two terms); relative error per input <= 2^-17.
//   bf16    inputs rounded to bf16, as bf16 frameworks compute (PyTorch bf16 on CPU and GPU).
enum class MatmulPrecision { f32, bf16x2, bf16 };
// Process-wide; set before running models (not while kernels run). Returns the previous value.
MatmulPrecision set_matmul_precision(MatmulPrecision precision);
MatmulPrecision matmul_precision();
// "f32", "bf16x2", "bf16"; parse throws Error(invalid_input) for anything else.
std::string_view to_string(MatmulPrecision precision);
MatmulPrecision parse_matmul_precision(std::string_view name);

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias = nullptr,
              std::string_view name = {});

// Several products, as linear() on each; the CPU runs decode-sized ones (few rows) together in one parallel
// region, with one wait instead of one per product (e.g. a layer's q, k and v projections of one input).
struct LinearProduct {
  const Tensor* x;
  const Tensor* weight;
  const Tensor* bias = nullptr;
  std::string_view name = {};
};
std::vector<Tensor> linear_group(std::span<const LinearProduct> products);
// Writes into `out` (f32 [..., N], allocated by the caller, e.g. reused across steps).
void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out,
                 std::string_view name = {});

}  // namespace chunkwise::runtime
