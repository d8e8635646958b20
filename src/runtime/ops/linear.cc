#include "runtime/ops/linear.h"

#include <atomic>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

namespace {
std::atomic<MatmulPrecision> global_matmul_precision{MatmulPrecision::f32};
}

MatmulPrecision set_matmul_precision(MatmulPrecision precision) {
  return global_matmul_precision.exchange(precision);
}

MatmulPrecision matmul_precision() {
  return global_matmul_precision.load();
}

std::string_view to_string(MatmulPrecision precision) {
  switch (precision) {
    case MatmulPrecision::f32:
      return "f32";
    case MatmulPrecision::bf16x2:
      return "bf16x2";
    case MatmulPrecision::bf16:
      return "bf16";
  }
  return "?";
}

MatmulPrecision parse_matmul_precision(std::string_view name) {
  for (MatmulPrecision precision : {MatmulPrecision::f32, MatmulPrecision::bf16x2, MatmulPrecision::bf16})
    if (name == to_string(precision)) return precision;
  fail(ErrorKind::invalid_input, "unknown matmul precision '{}' (expected f32, bf16x2 or bf16)", name);
}

static Shape linear_output_shape(const Tensor& x, const Tensor& weight) {
  Shape shape = x.shape();
  shape.back() = weight.dim(0);
  return shape;
}

static void check_linear(const Tensor& x, const Tensor& weight, const Tensor* bias) {
  check_dtype("linear", "input", x, DType::f32);
  check_rank("linear", "input", x, 1, 8);
  check_float_dtype("linear", "weight", weight);
  check_rank("linear", "weight", weight, 2, 2);
  check_same_device("linear", "weight", weight, x.device());
  if (x.dim(-1) != weight.dim(1))
    fail(ErrorKind::invalid_input,
         "linear: input {} has {} features but weight {} expects {} (weight is [out, in])",
         to_string(x.shape()), x.dim(-1), to_string(weight.shape()), weight.dim(1));
  if (bias) {
    check_float_dtype("linear", "bias", *bias);
    check_same_device("linear", "bias", *bias, x.device());
    if (bias->rank() != 1 || bias->dim(0) != weight.dim(0))
      fail(ErrorKind::invalid_input, "linear: bias {} must be [{}] for weight {}", to_string(bias->shape()),
           weight.dim(0), to_string(weight.shape()));
  }
}

void linear_into(const Tensor& x, const Tensor& weight, const Tensor* bias, Tensor& out,
                 std::string_view name) {
  check_linear(x, weight, bias);
  check_dtype("linear", "output", out, DType::f32);
  Shape expected = linear_output_shape(x, weight);
  if (out.shape() != expected)
    fail(ErrorKind::invalid_input, "linear: output {} must be {}", to_string(out.shape()),
         to_string(expected));
  check_same_device("linear", "output", out, x.device());
  int64_t k = weight.dim(1);
  int64_t rows = element_count(Shape(x.shape().begin(), x.shape().end() - 1));
  Tensor x2 = x.reshape({rows, k});
  Tensor out2 = out.reshape({rows, weight.dim(0)});
  ScopedOpTimer op_timer("linear");
  switch (x.device()) {
    case Device::cpu: {
      std::vector<float> bias_f32;
      if (bias) bias_f32 = to_host_floats(*bias);
      cpu::linear(x2, weight, bias ? bias_f32.data() : nullptr, matmul_precision(), out2);
      break;
    }
    case Device::cuda:
      fail(ErrorKind::unsupported, "linear: CUDA backend not built");
  }
  debug_dump(name, out);
}

std::vector<Tensor> linear_group(std::span<const LinearProduct> products) {
  std::vector<Tensor> outputs;
  std::vector<Tensor> inputs_2d, outputs_2d;
  std::vector<std::vector<float>> biases(products.size());
  bool all_cpu = true;
  for (const LinearProduct& p : products) {
    check_linear(*p.x, *p.weight, p.bias);
    outputs.push_back(Tensor::empty(linear_output_shape(*p.x, *p.weight), DType::f32, p.x->device()));
    all_cpu = all_cpu && p.x->device() == Device::cpu;
  }
  if (!all_cpu) {
    for (size_t i = 0; i < products.size(); ++i)
      linear_into(*products[i].x, *products[i].weight, products[i].bias, outputs[i], products[i].name);
    return outputs;
  }
  std::vector<cpu::LinearProblem> problems;
  inputs_2d.reserve(products.size());
  outputs_2d.reserve(products.size());
  for (size_t i = 0; i < products.size(); ++i) {
    const LinearProduct& p = products[i];
    const int64_t k = p.weight->dim(1);
    const int64_t rows = element_count(Shape(p.x->shape().begin(), p.x->shape().end() - 1));
    inputs_2d.push_back(p.x->reshape({rows, k}));
    outputs_2d.push_back(outputs[i].reshape({rows, p.weight->dim(0)}));
    if (p.bias) biases[i] = to_host_floats(*p.bias);
    problems.push_back(
        {&inputs_2d.back(), p.weight, p.bias ? biases[i].data() : nullptr, &outputs_2d.back()});
  }
  {
    ScopedOpTimer op_timer("linear");
    cpu::linear_group(problems, matmul_precision());
  }
  for (size_t i = 0; i < products.size(); ++i) debug_dump(products[i].name, outputs[i]);
  return outputs;
}

Tensor linear(const Tensor& x, const Tensor& weight, const Tensor* bias, std::string_view name) {
  check_linear(x, weight, bias);
  Tensor out = Tensor::empty(linear_output_shape(x, weight), DType::f32, x.device());
  linear_into(x, weight, bias, out, name);
  return out;
}

}  // namespace chunkwise::runtime
