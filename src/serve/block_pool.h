// The KV cache's blocks as the serving engine hands them out: a free list, a reference count per block, and
// (prefix caching) an index of full blocks by their contents so that a new sequence whose prompt starts with
// the same tokens reuses their keys and values instead of recomputing them.
//
// A full block's key is a hash chained over its parent's key and its own tokens, so a key stands for the
// whole prefix up to the block's end (as in vLLM). A lookup compares the stored tokens and parent key too: a
// hash collision can cost a cache miss, never a wrong hit. Cached blocks no sequence references stay cached
// in least-recently-used order and are evicted only when the free list is empty.
#pragma once

#include <cstdint>
#include <list>
#include <optional>
#include <span>
#include <unordered_map>
#include <vector>

namespace chunkwise::serve {

struct PrefixCacheStats {
  int64_t queries = 0;  // prompt tokens looked up
  int64_t hits = 0;     // of them, tokens found in cached blocks
};

class BlockPool {
 public:
  BlockPool(int num_blocks, int block_size, bool prefix_caching);

  int num_blocks() const { return int(blocks_.size()); }
  int block_size() const { return block_size_; }
  bool prefix_caching() const { return prefix_caching_; }
  // Blocks a sequence holds a reference to.
  int used_blocks() const { return used_; }
  // Blocks allocate() can still hand out: free ones and unreferenced cached ones.
  int available_blocks() const { return num_blocks() - used_; }
  PrefixCacheStats stats() const { return stats_; }

  // The longest run of full blocks at the start of `tokens` that the cache holds, at most `max_blocks`, each
  // with a new reference; `keys` receives their keys. Counts `tokens.size()` queries (none without prefix
  // caching).
  std::vector<int32_t> acquire_prefix(std::span<const int32_t> tokens, int max_blocks,
                                      std::vector<uint64_t>& keys);

  // A block with one reference for new tokens, or none when every block is referenced.
  std::optional<int32_t> allocate();

  // `block` (referenced by the caller) now holds the keys and values of `tokens` (block_size of them),
  // following the prefix whose last full block has key `parent` (0 for the sequence's first block). Indexes
  // it for reuse unless an equal block is cached already. Returns the block's key, the parent of the next
  // one.
  uint64_t publish(int32_t block, uint64_t parent, std::span<const int32_t> tokens);

  // Drops one reference; a block nobody references goes back to the free list, or stays cached (evictable).
  void release(int32_t block);

  // Drops every cached block nobody references (e.g. after a model's weights changed). Returns how many.
  int clear_cache();

 private:
  struct Block {
    int refs = 0;
    bool cached = false;  // indexed under `key`
    uint64_t key = 0;
    uint64_t parent = 0;
    std::vector<int32_t> tokens;          // the block's tokens, when cached
    std::list<int32_t>::iterator in_lru;  // when cached and unreferenced
  };

  uint64_t key_of(uint64_t parent, std::span<const int32_t> tokens) const;
  std::optional<int32_t> find(uint64_t key, uint64_t parent, std::span<const int32_t> tokens) const;
  void uncache(int32_t block);

  int block_size_;
  bool prefix_caching_;
  std::vector<Block> blocks_;
  std::vector<int32_t> free_;                     // never cached, unreferenced
  std::list<int32_t> lru_;                        // cached, unreferenced; least recently used first
  std::unordered_map<uint64_t, int32_t> by_key_;  // cached blocks
  int used_ = 0;
  PrefixCacheStats stats_;
};

}  // namespace chunkwise::serve
