// BlockPool: allocation until exhaustion, reference counts, prefix-cache hits only for identical prefixes,
// least-recently-used eviction of unreferenced cached blocks.
#include "serve/block_pool.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>

#include "common/error.h"

namespace chunkwise::serve {
namespace {

std::vector<int32_t> iota_tokens(int count, int32_t first) {
  std::vector<int32_t> tokens(static_cast<size_t>(count));
  std::iota(tokens.begin(), tokens.end(), first);
  return tokens;
}

TEST(BlockPool, HandsOutEveryBlockOnceAndTakesThemBack) {
  BlockPool pool(3, 4, false);
  std::vector<int32_t> got;
  for (int i = 0; i < 3; ++i) got.push_back(*pool.allocate());
  EXPECT_FALSE(pool.allocate().has_value());
  EXPECT_EQ(pool.used_blocks(), 3);
  std::ranges::sort(got);
  EXPECT_EQ(got, (std::vector<int32_t>{0, 1, 2}));
  pool.release(1);
  EXPECT_EQ(pool.available_blocks(), 1);
  EXPECT_EQ(*pool.allocate(), 1);
  for (int32_t b : got) pool.release(b);
  EXPECT_EQ(pool.used_blocks(), 0);
  EXPECT_THROW(pool.release(0), Error);  // released more often than acquired
}

TEST(BlockPool, ReusesPublishedPrefixesOnlyWhenEveryTokenBeforeMatches) {
  BlockPool pool(8, 4, true);
  const std::vector<int32_t> prompt = iota_tokens(10, 100);  // two full blocks and two tokens
  std::vector<uint64_t> keys;
  EXPECT_TRUE(pool.acquire_prefix(prompt, 2, keys).empty());
  const int32_t first = *pool.allocate(), second = *pool.allocate();
  const uint64_t k1 = pool.publish(first, 0, std::span(prompt).subspan(0, 4));
  pool.publish(second, k1, std::span(prompt).subspan(4, 4));
  pool.release(first);
  pool.release(second);
  EXPECT_EQ(pool.used_blocks(), 0);

  EXPECT_EQ(pool.acquire_prefix(prompt, 2, keys), (std::vector<int32_t>{first, second}));
  EXPECT_EQ(keys.size(), 2u);
  EXPECT_EQ(pool.used_blocks(), 2);
  EXPECT_EQ(pool.acquire_prefix(prompt, 1, keys), (std::vector<int32_t>{first}));  // capped
  // Same second block after a different first block: no hit past the difference.
  std::vector<int32_t> other = prompt;
  other[0] = 7;
  EXPECT_TRUE(pool.acquire_prefix(other, 2, keys).empty());
  std::vector<int32_t> changed_second = prompt;
  changed_second[5] = 7;
  EXPECT_EQ(pool.acquire_prefix(changed_second, 2, keys), (std::vector<int32_t>{first}));
  EXPECT_EQ(pool.stats().queries, 5 * 10);  // five lookups of 10 tokens
  EXPECT_EQ(pool.stats().hits, 8 + 4 + 4);
}

TEST(BlockPool, EvictsUnreferencedCachedBlocksLeastRecentlyUsedFirst) {
  BlockPool pool(2, 2, true);
  const std::vector<int32_t> a = {1, 2, 3}, b = {4, 5, 6};
  std::vector<uint64_t> keys;
  const int32_t block_a = *pool.allocate();
  pool.publish(block_a, 0, std::span(a).subspan(0, 2));
  const int32_t block_b = *pool.allocate();
  pool.publish(block_b, 0, std::span(b).subspan(0, 2));
  pool.release(block_a);  // a first: least recently used
  pool.release(block_b);
  EXPECT_EQ(pool.available_blocks(), 2);
  EXPECT_EQ(*pool.allocate(), block_a);  // the free list is empty: evicts a
  EXPECT_TRUE(pool.acquire_prefix(a, 1, keys).empty());
  EXPECT_EQ(pool.acquire_prefix(b, 1, keys), (std::vector<int32_t>{block_b}));
  EXPECT_FALSE(pool.allocate().has_value());  // b is referenced again
}

}  // namespace
}  // namespace chunkwise::serve
