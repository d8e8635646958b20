#include <algorithm>
#include <cmath>
#include <vector>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/thread_pool.h"

namespace chunkwise::runtime::cpu {

void attention(const Tensor& q, const Tensor& k, const Tensor& v, std::span<const int32_t> sequence_offsets,
               float scale, Tensor& out) {
  const int64_t tokens = q.dim(0);
  const int64_t heads = q.dim(1);
  const int64_t kv_heads = k.dim(1);
  const int64_t head_dim = q.dim(2);
  const int64_t group = heads / kv_heads;
  const int64_t kv_stride = kv_heads * head_dim;  // floats per token of k and v
  // The sequence of each token.
  std::vector<int32_t> sequence_of(static_cast<size_t>(tokens));
  for (size_t s = 0; s + 1 < sequence_offsets.size(); ++s)
    for (int32_t t = sequence_offsets[s]; t < sequence_offsets[s + 1]; ++t)
      sequence_of[size_t(t)] = int32_t(s);

  const float* query = q.data<float>();
  const float* keys = k.data<float>();
  const float* values = v.data<float>();
  float* output = out.data<float>();
  // Each (token, head): softmax(q·K / sqrt(d)) · V over the tokens of its sequence.
  // Small problems (fewer than ~64k multiply-adds in all) run on the caller: waking the pool costs more.
  const int64_t work_per_item =
      std::max<int64_t>(1, tokens / int64_t(sequence_offsets.size()) * head_dim * 2);
  const int64_t min_items = std::max<int64_t>(1, (int64_t(1) << 16) / work_per_item);
  cpu_thread_pool().parallel_for(tokens * heads, min_items, [&](int64_t begin, int64_t end) {
    std::vector<float> scores;
    std::vector<float> accumulator(static_cast<size_t>(head_dim));
    for (int64_t item = begin; item < end; ++item) {
      const int64_t t = item / heads;
      const int64_t h = item % heads;
      const int64_t kv_head = h / group;
      const int32_t sequence = sequence_of[size_t(t)];
      const int64_t start = sequence_offsets[size_t(sequence)];
      const int64_t length = sequence_offsets[size_t(sequence) + 1] - start;
      const float* q_row = query + (t * heads + h) * head_dim;
      scores.resize(size_t(length));
      float max_score = -INFINITY;
      for (int64_t j = 0; j < length; ++j) {
        const float* k_row = keys + (start + j) * kv_stride + kv_head * head_dim;
        float dot = 0;
        for (int64_t d = 0; d < head_dim; ++d) dot += q_row[d] * k_row[d];
        scores[size_t(j)] = dot * scale;
        max_score = std::max(max_score, scores[size_t(j)]);
      }
      double sum = 0;
      for (float& s : scores) {
        s = std::exp(s - max_score);
        sum += s;
      }
      std::fill(accumulator.begin(), accumulator.end(), 0.0f);
      for (int64_t j = 0; j < length; ++j) {
        const float* v_row = values + (start + j) * kv_stride + kv_head * head_dim;
        const float weight = scores[size_t(j)];
        for (int64_t d = 0; d < head_dim; ++d) accumulator[size_t(d)] += weight * v_row[d];
      }
      const float inverse = float(1.0 / sum);
      float* o_row = output + (t * heads + h) * head_dim;
      for (int64_t d = 0; d < head_dim; ++d) o_row[d] = accumulator[size_t(d)] * inverse;
    }
  });
}

}  // namespace chunkwise::runtime::cpu
