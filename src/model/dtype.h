// Element types of safetensors tensors. All dtypes of the safetensors format are recognised so that a header
// with an int8 or fp8 tensor parses; only f32, f16 and bf16 can be used as weights (see
// is_supported_weight_dtype).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace chunkwise::model {

enum class DType {
  f32,
  f16,
  bf16,
  f64,
  i64,
  i32,
  i16,
  i8,
  u64,
  u32,
  u16,
  u8,
  boolean,
  f8_e4m3,
  f8_e5m2,
  f8_e8m0,
  f6_e2m3,
  f6_e3m2,
  f4,
  c64,
};

// The safetensors spelling: "F32", "BF16", "F8_E4M3", ...
std::string_view to_string(DType dtype);
std::optional<DType> parse_dtype(std::string_view name);

// Bits per element (4 for F4, 6 for F6_*, 8 for U8, ...).
int bits_per_element(DType dtype);

// f32, f16 and bf16: the dtypes the runtime computes with (converted to f32).
bool is_supported_weight_dtype(DType dtype);

}  // namespace chunkwise::model
