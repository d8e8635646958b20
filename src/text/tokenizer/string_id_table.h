// Open-addressing hash tables for the vocabulary (string -> id, looked up by string_view without allocating)
// and the BPE merges ((left id, right id) -> rank and merged id).
#pragma once

#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

inline uint64_t hash_bytes(std::string_view s) {
  constexpr uint64_t k = 0x9E3779B97F4A7C15ULL;
  uint64_t h = 0xCBF29CE484222325ULL ^ (s.size() * k);
  const char* p = s.data();
  size_t n = s.size();
  while (n >= 8) {
    uint64_t w;
    std::memcpy(&w, p, 8);
    h = (h ^ w) * k;
    h ^= h >> 29;
    p += 8;
    n -= 8;
  }
  uint64_t tail = 0;
  std::memcpy(&tail, p, n);
  h = (h ^ tail) * k;
  h ^= h >> 32;
  return h * 0xD6E8FEB86659FD93ULL;
}

class StringIdTable {
 public:
  void reserve(size_t count);
  // Keeps the existing id if `key` is already present; returns whether it inserted.
  bool insert(std::string_view key, TokenId id);
  // -1 when absent.
  TokenId find(std::string_view key) const {
    if (slots_.empty()) return -1;
    const uint64_t h = hash_bytes(key);
    for (size_t i = h & mask_;; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.id < 0) return -1;
      if (slot.hash == h && slot.length == key.size() &&
          std::memcmp(keys_.data() + slot.offset, key.data(), key.size()) == 0)
        return slot.id;
    }
  }
  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash;
    uint32_t offset;
    uint32_t length;
    TokenId id = -1;
  };
  void grow();
  std::string keys_;
  std::vector<Slot> slots_;
  size_t mask_ = 0;
  size_t size_ = 0;
};

class MergeTable {
 public:
  struct Merge {
    int32_t rank = -1;  // -1: no merge
    TokenId merged = -1;
  };
  void reserve(size_t count);
  // A pair given twice keeps the later entry, as Hugging Face's merge map does.
  void insert(TokenId left, TokenId right, Merge merge);
  Merge find(TokenId left, TokenId right) const {
    const uint64_t key = pair_key(left, right);
    for (size_t i = slot_index(key);; i = (i + 1) & mask_) {
      const Slot& slot = slots_[i];
      if (slot.merge.rank < 0) return {};
      if (slot.key == key) return slot.merge;
    }
  }

 private:
  struct Slot {
    uint64_t key = 0;
    Merge merge;
  };
  static uint64_t pair_key(TokenId left, TokenId right) {
    return (uint64_t(uint32_t(left)) << 32) | uint32_t(right);
  }
  size_t slot_index(uint64_t key) const { return ((key * 0x9E3779B97F4A7C15ULL) >> 20) & mask_; }
  void grow();
  std::vector<Slot> slots_ = std::vector<Slot>(16);
  size_t mask_ = 15;
  size_t size_ = 0;
};

}  // namespace chunkwise::text
