#include "runtime/op_profile.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "runtime/ops/add.h"
#include "runtime/ops/linear.h"
#include "test_tensors.h"

namespace chunkwise::runtime {
namespace {

const OpTime* find_op(const std::vector<OpTime>& profile, const std::string& op) {
  auto it = std::find_if(profile.begin(), profile.end(), [&](const OpTime& t) { return t.op == op; });
  return it == profile.end() ? nullptr : &*it;
}

TEST(OpProfile, CountsCallsPerOpOnlyWhileOn) {
  Tensor x = f32_tensor(random_floats(4 * 8, 1), {4, 8}, Device::cpu);
  Tensor w = f32_tensor(random_floats(3 * 8, 2), {3, 8}, Device::cpu);
  reset_op_profile();
  linear(x, w);  // off: not counted
  set_op_profiling(true);
  linear(x, w);
  linear(x, w);
  Tensor y = linear(x, w);
  add_inplace(y, y);
  set_op_profiling(false);
  linear(x, w);
  const std::vector<OpTime> profile = op_profile();
  const OpTime* linear_time = find_op(profile, "linear");
  const OpTime* add_time = find_op(profile, "add");
  ASSERT_NE(linear_time, nullptr);
  ASSERT_NE(add_time, nullptr);
  EXPECT_EQ(linear_time->calls, 3);
  EXPECT_EQ(add_time->calls, 1);
  EXPECT_GE(linear_time->seconds, 0.0);
  for (size_t i = 1; i < profile.size(); ++i) EXPECT_GE(profile[i - 1].seconds, profile[i].seconds);
  reset_op_profile();
  EXPECT_TRUE(op_profile().empty());
}

}  // namespace
}  // namespace chunkwise::runtime
