// Helpers of the runtime tests: deterministic random data and host <-> device tensors.
#pragma once

#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "runtime/tensor.h"

namespace chunkwise::runtime {

inline std::vector<float> random_floats(size_t count, uint32_t seed, float low = -1.0f, float high = 1.0f) {
  std::mt19937 rng(seed);
  std::uniform_real_distribution<float> dist(low, high);
  std::vector<float> values(count);
  for (float& v : values) v = dist(rng);
  return values;
}

inline Tensor f32_tensor(const std::vector<float>& values, const Shape& shape, Device device) {
  return from_host(values.data(), shape, DType::f32, device);
}

inline Tensor i32_tensor(const std::vector<int32_t>& values, const Shape& shape, Device device) {
  return from_host(values.data(), shape, DType::i32, device);
}

// `values` stored as dtype (rounded), on device; `rounded` receives the values the tensor really holds.
inline Tensor float_tensor(const std::vector<float>& values, const Shape& shape, DType dtype, Device device,
                           std::vector<float>* rounded = nullptr) {
  Tensor host = Tensor::empty(shape, dtype, Device::cpu);
  for (size_t i = 0; i < values.size(); ++i) {
    if (dtype == DType::f32) host.data<float>()[i] = values[i];
    if (dtype == DType::bf16) host.data<BFloat16>()[i] = to_bfloat16(values[i]);
    if (dtype == DType::f16) host.data<Half>()[i] = to_half(values[i]);
  }
  if (rounded) *rounded = to_host_floats(host);
  return to_device(host, device);
}

// Max |a - b| / (atol + rtol |b|) <= 1, reporting the worst element.
inline ::testing::AssertionResult all_close(const std::vector<float>& actual,
                                            const std::vector<double>& expected, double atol, double rtol) {
  if (actual.size() != expected.size())
    return ::testing::AssertionFailure() << "size " << actual.size() << " != " << expected.size();
  for (size_t i = 0; i < actual.size(); ++i) {
    double error = std::abs(double(actual[i]) - expected[i]);
    if (!(error <= atol + rtol * std::abs(expected[i])))
      return ::testing::AssertionFailure() << "element " << i << ": " << actual[i] << " vs expected "
                                           << expected[i] << " (error " << error << ")";
  }
  return ::testing::AssertionSuccess();
}

// Runs `body` and checks it throws an Error whose message contains `part`.
template <typename Body>
::testing::AssertionResult fails_with(Body&& body, const std::string& part) {
  try {
    body();
  } catch (const Error& e) {
    if (std::string(e.what()).find(part) != std::string::npos) return ::testing::AssertionSuccess();
    return ::testing::AssertionFailure() << "message \"" << e.what() << "\" lacks \"" << part << "\"";
  }
  return ::testing::AssertionFailure() << "no Error thrown";
}

}  // namespace chunkwise::runtime
