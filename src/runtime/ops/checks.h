// Argument checks shared by the op front ends; each failure is an invalid_input Error naming op and argument.
#pragma once

#include <string_view>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

void check_defined(std::string_view op, std::string_view what, const Tensor& t);
void check_dtype(std::string_view op, std::string_view what, const Tensor& t, DType dtype);
void check_float_dtype(std::string_view op, std::string_view what, const Tensor& t);  // f32, f16 or bf16
void check_rank(std::string_view op, std::string_view what, const Tensor& t, int min_rank, int max_rank);
void check_same_shape(std::string_view op, std::string_view what_a, const Tensor& a, std::string_view what_b,
                      const Tensor& b);
void check_same_device(std::string_view op, std::string_view what, const Tensor& t, Device device);

}  // namespace chunkwise::runtime
