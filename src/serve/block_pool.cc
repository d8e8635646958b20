#include "serve/block_pool.h"

#include <algorithm>

#include "common/error.h"

namespace chunkwise::serve {

BlockPool::BlockPool(int num_blocks, int block_size, bool prefix_caching)
    : block_size_(block_size), prefix_caching_(prefix_caching), blocks_(size_t(std::max(num_blocks, 0))) {
  if (num_blocks < 1 || block_size < 1)
    fail(ErrorKind::invalid_input, "the KV cache needs at least one block of at least one token ({} x {})",
         num_blocks, block_size);
  free_.reserve(blocks_.size());
  for (int b = num_blocks - 1; b >= 0; --b) free_.push_back(b);  // hand out low ids first
}

uint64_t BlockPool::key_of(uint64_t parent, std::span<const int32_t> tokens) const {
  // splitmix64 steps over the parent key and the token ids; never 0 (0 is "no parent").
  auto mix = [](uint64_t x) {
    x += 0x9E3779B97F4A7C15ull;
    x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
    x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
    return x ^ (x >> 31);
  };
  uint64_t h = mix(parent);
  for (int32_t t : tokens) h = mix(h ^ uint64_t(uint32_t(t)));
  return h == 0 ? 1 : h;
}

std::optional<int32_t> BlockPool::find(uint64_t key, uint64_t parent, std::span<const int32_t> tokens) const {
  const auto it = by_key_.find(key);
  if (it == by_key_.end()) return std::nullopt;
  const Block& block = blocks_[size_t(it->second)];
  if (block.parent != parent || !std::ranges::equal(block.tokens, tokens)) return std::nullopt;
  return it->second;
}

std::vector<int32_t> BlockPool::acquire_prefix(std::span<const int32_t> tokens, int max_blocks,
                                               std::vector<uint64_t>& keys) {
  std::vector<int32_t> found;
  keys.clear();
  if (!prefix_caching_) return found;
  stats_.queries += int64_t(tokens.size());
  uint64_t parent = 0;
  const int full =
      int(std::min<size_t>(size_t(std::max(max_blocks, 0)), tokens.size() / size_t(block_size_)));
  for (int i = 0; i < full; ++i) {
    const auto block_tokens = tokens.subspan(size_t(i) * size_t(block_size_), size_t(block_size_));
    const uint64_t key = key_of(parent, block_tokens);
    const std::optional<int32_t> hit = find(key, parent, block_tokens);
    if (!hit) break;
    Block& block = blocks_[size_t(*hit)];
    if (block.refs++ == 0) {
      lru_.erase(block.in_lru);
      ++used_;
    }
    found.push_back(*hit);
    keys.push_back(key);
    parent = key;
  }
  stats_.hits += int64_t(found.size()) * block_size_;
  return found;
}

std::optional<int32_t> BlockPool::allocate() {
  int32_t id;
  if (!free_.empty()) {
    id = free_.back();
    free_.pop_back();
  } else if (!lru_.empty()) {
    id = lru_.front();
    lru_.pop_front();
    uncache(id);
  } else {
    return std::nullopt;
  }
  Block& block = blocks_[size_t(id)];
  block.refs = 1;
  ++used_;
  return id;
}

uint64_t BlockPool::publish(int32_t id, uint64_t parent, std::span<const int32_t> tokens) {
  if (tokens.size() != size_t(block_size_))
    fail(ErrorKind::internal, "publishing a block of {} tokens (block size {})", tokens.size(), block_size_);
  const uint64_t key = key_of(parent, tokens);
  if (!prefix_caching_) return key;
  Block& block = blocks_[size_t(id)];
  if (block.cached || by_key_.contains(key)) return key;  // already indexed (this block or an equal one)
  block.cached = true;
  block.key = key;
  block.parent = parent;
  block.tokens.assign(tokens.begin(), tokens.end());
  by_key_.emplace(key, id);
  return key;
}

void BlockPool::release(int32_t id) {
  Block& block = blocks_.at(size_t(id));
  if (block.refs <= 0) fail(ErrorKind::internal, "KV block {} released more often than acquired", id);
  if (--block.refs > 0) return;
  --used_;
  if (block.cached) {
    block.in_lru = lru_.insert(lru_.end(), id);
  } else {
    free_.push_back(id);
  }
}

void BlockPool::uncache(int32_t id) {
  Block& block = blocks_[size_t(id)];
  by_key_.erase(block.key);
  block.cached = false;
  block.tokens.clear();
  block.key = block.parent = 0;
}

int BlockPool::clear_cache() {
  int cleared = 0;
  for (int32_t id : lru_) {
    uncache(id);
    free_.push_back(id);
    ++cleared;
  }
  lru_.clear();
  return cleared;
}

}  // namespace chunkwise::serve
