// Memory of a tensor: either owned (allocated by the device's allocator, freed with the last Buffer copy) or
// a view of memory someone else keeps alive (e.g. a memory-mapped safetensors file: weights are used in
// place).
#pragma once

#include <cstddef>
#include <memory>

#include "runtime/device.h"

namespace chunkwise::runtime {

class Buffer {
 public:
  Buffer() = default;

  // `bytes` of uninitialized memory on `device`, 64-byte aligned.
  static Buffer allocate(Device device, size_t bytes);
  // Non-owning: `data` must outlive every tensor that uses the buffer. `keep_alive`, when given, is held by
  // the buffer (e.g. the shared handle of the mapping) so that the memory lives as long as the buffer.
  static Buffer view(void* data, size_t bytes, Device device,
                     std::shared_ptr<const void> keep_alive = nullptr);

  void* data() const { return data_; }
  size_t bytes() const { return bytes_; }
  Device device() const { return device_; }
  bool owned() const { return owned_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
  Device device_ = Device::cpu;
  bool owned_ = false;
  std::shared_ptr<const void> holder_;  // frees owned memory / keeps a viewed mapping alive
};

}  // namespace chunkwise::runtime
