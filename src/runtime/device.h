// Where a tensor's memory lives and its kernels run. Only the CPU backend exists so far; the CUDA backend
// implements the same op entry points under runtime/cuda/.
#pragma once

namespace chunkwise::runtime {

enum class Device { cpu, cuda };

inline const char* to_string(Device device) {
  return device == Device::cpu ? "cpu" : "cuda";
}

}  // namespace chunkwise::runtime
