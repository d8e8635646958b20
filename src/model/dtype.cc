#include "model/dtype.h"

#include <array>
#include <cstddef>

namespace chunkwise::model {
namespace {

struct DTypeInfo {
  DType dtype;
  std::string_view name;
  int bits;
};

constexpr std::array<DTypeInfo, 20> kDTypes{{
    {DType::f32, "F32", 32},        {DType::f16, "F16", 16},        {DType::bf16, "BF16", 16},
    {DType::f64, "F64", 64},        {DType::i64, "I64", 64},        {DType::i32, "I32", 32},
    {DType::i16, "I16", 16},        {DType::i8, "I8", 8},           {DType::u64, "U64", 64},
    {DType::u32, "U32", 32},        {DType::u16, "U16", 16},        {DType::u8, "U8", 8},
    {DType::boolean, "BOOL", 8},    {DType::f8_e4m3, "F8_E4M3", 8}, {DType::f8_e5m2, "F8_E5M2", 8},
    {DType::f8_e8m0, "F8_E8M0", 8}, {DType::f6_e2m3, "F6_E2M3", 6}, {DType::f6_e3m2, "F6_E3M2", 6},
    {DType::f4, "F4", 4},           {DType::c64, "C64", 64},
}};

// kDTypes is in enum order, so an enumerator indexes its entry.
const DTypeInfo& info(DType dtype) {
  return kDTypes[static_cast<size_t>(dtype)];
}

}  // namespace

std::string_view to_string(DType dtype) {
  return info(dtype).name;
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (const auto& entry : kDTypes) {
    if (entry.name == name) return entry.dtype;
  }
  return std::nullopt;
}

int bits_per_element(DType dtype) {
  return info(dtype).bits;
}

bool is_supported_weight_dtype(DType dtype) {
  return dtype == DType::f32 || dtype == DType::f16 || dtype == DType::bf16;
}

}  // namespace chunkwise::model
