#include <cmath>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void rope(Tensor& x, int64_t heads, int64_t head_dim, std::span<const int32_t> positions,
          const RopeTable& table) {
  int64_t half = table.rotary_dim / 2;
  float* data = x.data<float>();
  cpu_thread_pool().parallel_for(int64_t(positions.size()), 4, [&](int64_t begin, int64_t end) {
    std::vector<float> cos(static_cast<size_t>(half)), sin(static_cast<size_t>(half));
    for (int64_t t = begin; t < end; ++t) {
      // As transformers: angle = f32(position) * f32(inv_freq) in f32, then cos/sin, then * attention factor.
      float position = float(positions[size_t(t)]);
      for (int64_t i = 0; i < half; ++i) {
        float angle = position * table.inv_freq[size_t(i)];
        cos[size_t(i)] = std::cos(angle) * table.attention_factor;
        sin[size_t(i)] = std::sin(angle) * table.attention_factor;
      }
      for (int64_t h = 0; h < heads; ++h) {
        float* head = data + (t * heads + h) * head_dim;
        for (int64_t i = 0; i < half; ++i) {
          float x1 = head[i];
          float x2 = head[i + half];
          head[i] = x1 * cos[size_t(i)] - x2 * sin[size_t(i)];
          head[i + half] = x2 * cos[size_t(i)] + x1 * sin[size_t(i)];
        }
      }
    }
  });
}

}  // namespace chunkwise::runtime::cpu
