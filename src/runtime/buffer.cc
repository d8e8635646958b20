#include "runtime/buffer.h"

#include <cstdlib>
#include <new>

#include "common/error.h"

namespace chunkwise::runtime {

Buffer Buffer::allocate(Device device, size_t bytes) {
  if (device != Device::cpu)
    fail(ErrorKind::unsupported, "allocating on device {}: not built with that backend", to_string(device));
  size_t rounded = (bytes + 63) / 64 * 64;
  void* data = rounded == 0 ? nullptr : std::aligned_alloc(64, rounded);
  if (rounded != 0 && data == nullptr) throw std::bad_alloc();
  Buffer buffer;
  buffer.data_ = data;
  buffer.bytes_ = bytes;
  buffer.device_ = device;
  buffer.owned_ = true;
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
