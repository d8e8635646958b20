#include "text/tokenizer/string_id_table.h"

#include <bit>

namespace chunkwise::text {

void StringIdTable::reserve(size_t count) {
  if (count * 2 <= slots_.size()) return;
  const size_t capacity = std::bit_ceil(count * 2 + 16);
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.id < 0) continue;
    size_t i = slot.hash & mask_;
    while (slots_[i].id >= 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

void StringIdTable::grow() {
  reserve(size_ * 2 + 16);
}

bool StringIdTable::insert(std::string_view key, TokenId id) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t h = hash_bytes(key);
  size_t i = h & mask_;
  for (;; i = (i + 1) & mask_) {
    const Slot& slot = slots_[i];
    if (slot.id < 0) break;
    if (slot.hash == h && slot.length == key.size() &&
        std::memcmp(keys_.data() + slot.offset, key.data(), key.size()) == 0)
      return false;
  }
  slots_[i] = Slot{h, static_cast<uint32_t>(keys_.size()), static_cast<uint32_t>(key.size()), id};
  keys_.append(key);
  ++size_;
  return true;
}

void MergeTable::reserve(size_t count) {
  if (count * 2 <= slots_.size()) return;
  const size_t capacity = std::bit_ceil(count * 2 + 16);
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Slot& slot : old) {
    if (slot.merge.rank < 0) continue;
    size_t i = slot_index(slot.key);
    while (slots_[i].merge.rank >= 0) i = (i + 1) & mask_;
    slots_[i] = slot;
  }
}

void MergeTable::grow() {
  reserve(size_ * 2 + 16);
}

void MergeTable::insert(TokenId left, TokenId right, Merge merge) {
  if ((size_ + 1) * 2 > slots_.size()) grow();
  const uint64_t key = pair_key(left, right);
  size_t i = slot_index(key);
  for (;; i = (i + 1) & mask_) {
    if (slots_[i].merge.rank < 0) break;
    if (slots_[i].key == key) {
      slots_[i].merge = merge;
      return;
    }
  }
  slots_[i] = Slot{key, merge};
  ++size_;
}

}  // namespace chunkwise::text
