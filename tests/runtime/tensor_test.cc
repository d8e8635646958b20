#include "runtime/tensor.h"

#include <gtest/gtest.h>

#include <cmath>
#include <memory>

namespace chunkwise::runtime {
namespace {

TEST(DType, HalfConversionRoundsToNearestEven) {
  // Exhaustive: every f16 bit pattern converts to float and back unchanged (NaNs aside).
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    float f = to_float(Half{uint16_t(bits)});
    if (std::isnan(f)) continue;
    ASSERT_EQ(to_half(f).bits, bits) << std::hex << bits;
  }
  EXPECT_EQ(to_half(1.0f + 1.0f / 2048).bits, 0x3c00);  // halfway, rounds to even
  EXPECT_EQ(to_half(1.0f + 3.0f / 2048).bits, 0x3c02);  // halfway, rounds up to even
  EXPECT_EQ(to_half(65520.0f).bits, 0x7c00);            // overflows to inf
  EXPECT_EQ(to_half(65519.0f).bits, 0x7bff);
  EXPECT_EQ(to_half(std::ldexp(1.0f, -25)).bits, 0x0000);  // half of the smallest subnormal: to even (0)
  EXPECT_EQ(to_half(std::ldexp(1.5f, -25)).bits, 0x0001);
  EXPECT_EQ(to_half(-2.0f).bits, 0xc000);
}

TEST(DType, BFloat16ConversionRoundsToNearestEven) {
  EXPECT_EQ(to_bfloat16(1.0f).bits, 0x3f80);
  EXPECT_EQ(to_float(BFloat16{0x3f80}), 1.0f);
  EXPECT_EQ(to_bfloat16(1.0f + 1.0f / 256).bits, 0x3f80);  // halfway, even stays
  EXPECT_EQ(to_bfloat16(1.0f + 3.0f / 256).bits, 0x3f82);  // halfway, rounds up to even
  EXPECT_EQ(to_bfloat16(-3.5f).bits, 0xc060);
}

TEST(Tensor, ViewsShareMemoryAndCheckBounds) {
  std::vector<float> data = {1, 2, 3, 4, 5, 6};
  Tensor t = Tensor::view(data.data(), {3, 2}, DType::f32);
  EXPECT_FALSE(t.buffer().owned());
  EXPECT_EQ(t.numel(), 6);
  EXPECT_EQ(t.dim(-1), 2);
  Tensor rows = t.rows(1, 3);
  EXPECT_EQ(rows.shape(), (Shape{2, 2}));
  EXPECT_EQ(rows.data<float>()[0], 3.0f);
  data[2] = 30;
  EXPECT_EQ(rows.data<float>()[0], 30.0f);
  EXPECT_EQ(t.reshape({6}).data<float>()[5], 6.0f);
  EXPECT_THROW(t.reshape({4}), Error);
  EXPECT_THROW(t.rows(2, 4), Error);
  EXPECT_THROW(t.data<int32_t>(), Error);
  Buffer buffer = Buffer::view(data.data(), data.size() * 4, Device::cpu);
  EXPECT_THROW(Tensor::view(buffer, 8, {3, 2}, DType::f32), Error);  // 24 bytes at 8 exceed 24
  EXPECT_EQ(Tensor::view(buffer, 8, {2, 2}, DType::f32).data<float>()[0], 30.0f);
}

TEST(Tensor, ViewBuffersKeepTheirOwnerAlive) {
  // As a memory-mapped weight file would: the mapping is shared by every tensor viewing it.
  auto mapping = std::make_shared<std::vector<float>>(std::vector<float>{1, 2, 3, 4});
  std::weak_ptr<std::vector<float>> watch = mapping;
  Tensor weight;
  {
    Buffer buffer = Buffer::view(mapping->data(), 16, Device::cpu, mapping);
    mapping.reset();
    weight = Tensor::view(buffer, 4, {3}, DType::f32);
  }
  EXPECT_FALSE(watch.expired());
  EXPECT_EQ(weight.data<float>()[0], 2.0f);
  weight = Tensor();
  EXPECT_TRUE(watch.expired());
}

TEST(Tensor, OwnedTensorsAreAligned) {
  Tensor t = Tensor::empty({3, 5}, DType::bf16);
  EXPECT_TRUE(t.buffer().owned());
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.raw_data()) % 64, 0u);
  EXPECT_EQ(t.bytes(), 30u);
  EXPECT_THROW(Tensor::empty({2, 2}, DType::f32, Device::cuda), Error);
}

}  // namespace
}  // namespace chunkwise::runtime
