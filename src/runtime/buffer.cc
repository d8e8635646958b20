#include "runtime/buffer.h"

#include <cstdlib>
#include <map>
#include <mutex>
#include <new>

#include "common/error.h"

namespace chunkwise::runtime {

namespace {

// Freed CPU buffers of at least kCachedMinBytes are kept, up to kCacheCapacity bytes in all, and handed out
// again for the same rounded size. A forward pass allocates the same activation sizes layer after layer, and
// memory fresh from the OS costs a page fault per 4 KiB on first touch (a Llama-3.2-1B-shaped prefill of 512
// tokens allocates ~800 MB of activations, one layer's worth at a time).
// Under AddressSanitizer nothing is cached, so that a use after free of an activation is still caught.
#if defined(__SANITIZE_ADDRESS__)
constexpr bool kCacheBuffers = false;
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
constexpr bool kCacheBuffers = false;
#else
constexpr bool kCacheBuffers = true;
#endif
#else
constexpr bool kCacheBuffers = true;
#endif
constexpr size_t kCachedMinBytes = 256 << 10;
constexpr size_t kCacheCapacity = size_t(512) << 20;
constexpr size_t kGranule = 4096;

class BufferCache {
 public:
  void* take(size_t bytes) {
    std::lock_guard lock(mutex_);
    auto it = free_.find(bytes);
    if (it == free_.end()) return nullptr;
    void* data = it->second;
    free_.erase(it);
    cached_bytes_ -= bytes;
    return data;
  }

  // Keeps `data` for reuse, or frees it when the cache is full.
  void give(void* data, size_t bytes) {
    {
      std::lock_guard lock(mutex_);
      if (cached_bytes_ + bytes <= kCacheCapacity) {
        free_.emplace(bytes, data);
        cached_bytes_ += bytes;
        return;
      }
    }
    std::free(data);
  }

 private:
  std::mutex mutex_;
  std::multimap<size_t, void*> free_;
  size_t cached_bytes_ = 0;
};

BufferCache& buffer_cache() {
  static BufferCache* cache = new BufferCache;  // never destroyed: buffers may be freed during exit
  return *cache;
}

}  // namespace

Buffer Buffer::allocate(Device device, size_t bytes) {
  if (device != Device::cpu)
    fail(ErrorKind::unsupported, "allocating on device {}: not built with that backend", to_string(device));
  Buffer buffer;
  buffer.bytes_ = bytes;
  buffer.device_ = device;
  buffer.owned_ = true;
  if (kCacheBuffers && bytes >= kCachedMinBytes) {
    const size_t rounded = (bytes + kGranule - 1) / kGranule * kGranule;
    void* data = buffer_cache().take(rounded);
    if (data == nullptr) data = std::aligned_alloc(64, rounded);
    if (data == nullptr) throw std::bad_alloc();
    buffer.data_ = data;
    buffer.holder_ = std::shared_ptr<const void>(
        data, [rounded](const void* p) { buffer_cache().give(const_cast<void*>(p), rounded); });
    return buffer;
  }
  size_t rounded = (bytes + 63) / 64 * 64;
  void* data = rounded == 0 ? nullptr : std::aligned_alloc(64, rounded);
  if (rounded != 0 && data == nullptr) throw std::bad_alloc();
  buffer.data_ = data;
  buffer.holder_ = std::shared_ptr<const void>(data, [](const void* p) { std::free(const_cast<void*>(p)); });
  return buffer;
}

Buffer Buffer::view(void* data, size_t bytes, Device device, std::shared_ptr<const void> keep_alive) {
  Buffer buffer;
  buffer.data_ = data;
  buffer.bytes_ = bytes;
  buffer.device_ = device;
  buffer.owned_ = false;
  buffer.holder_ = std::move(keep_alive);
  return buffer;
}

}  // namespace chunkwise::runtime
