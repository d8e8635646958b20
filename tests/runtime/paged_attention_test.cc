// Paged attention against dense causal attention computed in double from the full q/k/v of each sequence.
#include "runtime/ops/paged_attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "test_tensors.h"

namespace chunkwise::runtime {
namespace {

struct Dims {
  int heads, kv_heads, head_dim;
};

// One sequence's queries, keys and values at every position: q [len, heads, d], k/v [len, kv_heads, d].
struct Sequence {
  int length;
  std::vector<float> q, k, v;
  Sequence(int len, const Dims& dims, uint32_t seed)
      : length(len),
        q(random_floats(size_t(len * dims.heads * dims.head_dim), seed, -2, 2)),
        k(random_floats(size_t(len * dims.kv_heads * dims.head_dim), seed + 1, -2, 2)),
        v(random_floats(size_t(len * dims.kv_heads * dims.head_dim), seed + 2)) {}
};

// Dense reference: out [len, heads, d] for every position, attending to [max(0, p - window + 1), p].
std::vector<double> dense_attention(const Sequence& s, const Dims& dims, int window = 0, double scale = 0) {
  int d = dims.head_dim, group = dims.heads / dims.kv_heads;
  if (scale == 0) scale = 1 / std::sqrt(double(d));
  std::vector<double> out(size_t(s.length * dims.heads * d));
  for (int p = 0; p < s.length; ++p)
    for (int h = 0; h < dims.heads; ++h) {
      int g = h / group, start = window > 0 ? std::max(0, p - window + 1) : 0;
      std::vector<double> scores;
      for (int j = start; j <= p; ++j) {
        double dot = 0;
        for (int i = 0; i < d; ++i)
          dot += double(s.q[size_t((p * dims.heads + h) * d + i)]) *
                 s.k[size_t((j * dims.kv_heads + g) * d + i)];
        scores.push_back(dot * scale);
      }
      double max = *std::max_element(scores.begin(), scores.end()), sum = 0;
      for (double& x : scores) sum += (x = std::exp(x - max));
      for (int i = 0; i < d; ++i) {
        double acc = 0;
        for (int j = start; j <= p; ++j)
          acc += scores[size_t(j - start)] * s.v[size_t((j * dims.kv_heads + g) * d + i)];
        out[size_t((p * dims.heads + h) * d + i)] = acc / sum;
      }
    }
  return out;
}

// Rows [from, to) of a per-position array with `width` values per position.
std::vector<double> position_rows(const std::vector<double>& values, int width, int from, int to) {
  return std::vector<double>(values.begin() + from * width, values.begin() + to * width);
}

// A batch built from pieces (sequence index, first position, token count); runs one paged_attention call.
struct BatchPiece {
  int sequence, first, count;
};

class PagedAttention : public ::testing::TestWithParam<Device> {
 protected:
  Device device() const { return GetParam(); }

  // Returns the output rows of each piece, in order.
  std::vector<std::vector<float>> run(KvCache& cache, const Dims& dims,
                                      const std::vector<const Sequence*>& sequences,
                                      const std::vector<BlockTable>& tables,
                                      const std::vector<BatchPiece>& pieces,
                                      const AttentionOptions& options = {}) {
    AttentionBatch batch;
    batch.block_tables = tables;
    std::vector<float> q, k, v;
    int d = dims.head_dim, qw = dims.heads * d, kw = dims.kv_heads * d;
    for (const BatchPiece& piece : pieces) {
      const Sequence& s = *sequences[size_t(piece.sequence)];
      for (int p = piece.first; p < piece.first + piece.count; ++p) {
        batch.token_sequence.push_back(piece.sequence);
        batch.token_position.push_back(p);
        q.insert(q.end(), s.q.begin() + p * qw, s.q.begin() + (p + 1) * qw);
        k.insert(k.end(), s.k.begin() + p * kw, s.k.begin() + (p + 1) * kw);
        v.insert(v.end(), s.v.begin() + p * kw, s.v.begin() + (p + 1) * kw);
      }
    }
    int64_t tokens = int64_t(batch.token_sequence.size());
    Tensor out = paged_attention(f32_tensor(q, {tokens, qw}, device()), f32_tensor(k, {tokens, kw}, device()),
                                 f32_tensor(v, {tokens, kw}, device()), cache, 1, batch, options);
    EXPECT_EQ(out.shape(), (Shape{tokens, qw}));
    std::vector<float> flat = to_host_floats(out);
    std::vector<std::vector<float>> rows;
    size_t offset = 0;
    for (const BatchPiece& piece : pieces) {
      rows.emplace_back(flat.begin() + long(offset), flat.begin() + long(offset + size_t(piece.count * qw)));
      offset += size_t(piece.count * qw);
    }
    return rows;
  }

  // Prefills a whole sequence in chunks of `chunk` tokens; returns the outputs of all positions.
  std::vector<float> prefill_in_chunks(KvCache& cache, const Dims& dims, const Sequence& s,
                                       const BlockTable& table, int chunk,
                                       const AttentionOptions& options = {}) {
    std::vector<float> out;
    for (int first = 0; first < s.length; first += chunk) {
      auto rows = run(cache, dims, {&s}, {table}, {{0, first, std::min(chunk, s.length - first)}}, options);
      out.insert(out.end(), rows[0].begin(), rows[0].end());
    }
    return out;
  }
};

// Blocks of a pool in a scrambled order: a sequence's blocks are not contiguous and not ascending.
BlockTable scrambled_blocks(int count, int pool, uint32_t seed) {
  std::vector<int32_t> ids(static_cast<size_t>(pool));
  std::iota(ids.begin(), ids.end(), 0);
  std::shuffle(ids.begin(), ids.end(), std::mt19937(seed));
  return BlockTable(ids.begin(), ids.begin() + count);
}

constexpr double kAtol = 2e-5, kRtol = 1e-4;  // f32 dot products of 32 terms of magnitude <= 4, then softmax

TEST_P(PagedAttention, ChunkedPrefillOf1And7And64TokensEqualsFullPrefillAndDenseAttention) {
  Dims dims{4, 4, 32};
  Sequence s(150, dims, 100);
  KvCache cache({2, 40, 16, dims.kv_heads, dims.head_dim}, device());
  BlockTable table = scrambled_blocks(10, 40, 1);
  std::vector<double> expected = dense_attention(s, dims);
  std::vector<float> full = prefill_in_chunks(cache, dims, s, table, 150);
  EXPECT_TRUE(all_close(full, expected, kAtol, kRtol));
  for (int chunk : {1, 7, 64}) {
    SCOPED_TRACE(testing::Message() << "chunk " << chunk);
    KvCache fresh({2, 40, 16, dims.kv_heads, dims.head_dim}, device());
    EXPECT_EQ(prefill_in_chunks(fresh, dims, s, table, chunk), full);  // each query's arithmetic is the same
  }
}

TEST_P(PagedAttention, MixedBatchOfAPrefillChunkAndTwoDecodeSteps) {
  Dims dims{4, 2, 16};
  Sequence a(36, dims, 200), b(41, dims, 300), c(8, dims, 400);
  KvCache cache({2, 32, 8, dims.kv_heads, dims.head_dim}, device());
  std::vector<BlockTable> tables = {{31, 2, 17, 5, 9}, {0, 30, 1, 29, 3, 28}, {12}};
  std::vector<const Sequence*> sequences = {&a, &b, &c};
  // History: a's first 20 tokens, all of b but its last, all of c but its last.
  run(cache, dims, sequences, tables, {{0, 0, 20}, {1, 0, 40}, {2, 0, 7}});
  // One call: a's tokens 20..35 (prefill chunk), b's token 40 and c's token 7 (decode steps).
  auto rows = run(cache, dims, sequences, tables, {{0, 20, 16}, {1, 40, 1}, {2, 7, 1}});
  int width = dims.heads * dims.head_dim;
  EXPECT_TRUE(all_close(rows[0], position_rows(dense_attention(a, dims), width, 20, 36), kAtol, kRtol));
  EXPECT_TRUE(all_close(rows[1], position_rows(dense_attention(b, dims), width, 40, 41), kAtol, kRtol));
  EXPECT_TRUE(all_close(rows[2], position_rows(dense_attention(c, dims), width, 7, 8), kAtol, kRtol));
}

TEST_P(PagedAttention, GroupedQueryAttentionWithScaleOverride) {
  Dims dims{8, 2, 16};  // 4 query heads per kv head
  Sequence s(45, dims, 500);
  KvCache cache({2, 16, 16, dims.kv_heads, dims.head_dim}, device());
  AttentionOptions options;
  options.scale = 0.05f;
  std::vector<float> out = prefill_in_chunks(cache, dims, s, scrambled_blocks(3, 16, 2), 13, options);
  EXPECT_TRUE(all_close(out, dense_attention(s, dims, 0, 0.05), kAtol, kRtol));
}

TEST_P(PagedAttention, SlidingWindowAttendsOnlyToTheLastWindowPositions) {
  Dims dims{2, 1, 8};
  Sequence s(40, dims, 600);
  KvCache cache({2, 12, 4, dims.kv_heads, dims.head_dim}, device());
  AttentionOptions options;
  options.sliding_window = 5;
  std::vector<float> out = prefill_in_chunks(cache, dims, s, scrambled_blocks(10, 12, 3), 9, options);
  EXPECT_TRUE(all_close(out, dense_attention(s, dims, 5), kAtol, kRtol));
}

TEST_P(PagedAttention, BadInputsGiveClearErrors) {
  Dims dims{4, 2, 8};
  KvCache cache({2, 4, 4, dims.kv_heads, dims.head_dim}, device());
  auto call = [&](Shape q_shape, Shape kv_shape, AttentionBatch batch) {
    paged_attention(f32_tensor(random_floats(size_t(element_count(q_shape)), 1), q_shape, device()),
                    f32_tensor(random_floats(size_t(element_count(kv_shape)), 2), kv_shape, device()),
                    f32_tensor(random_floats(size_t(element_count(kv_shape)), 3), kv_shape, device()), cache,
                    0, batch);
  };
  AttentionBatch ok{{0}, {5}, {{1, 3}}};
  EXPECT_NO_THROW(call({1, 32}, {1, 16}, ok));
  EXPECT_TRUE(fails_with(
      [&] {
        call({1, 30}, {1, 16}, ok);
      },
      "paged_attention: query [1, 30] is not [tokens, heads * 8] or [tokens, heads, 8]"));
  EXPECT_TRUE(fails_with(
      [&] {
        call({1, 32}, {1, 24}, ok);
      },
      "paged_attention: key [1, 24] has 3 heads but the cache holds 2 kv heads of 8"));
  EXPECT_TRUE(fails_with(
      [&] {
        call({1, 24}, {1, 16}, ok);
      },
      "3 query heads is not a multiple of 2 kv heads"));
  EXPECT_TRUE(fails_with(
      [&] {
        call({2, 32}, {2, 16}, ok);
      },
      "batch describes 1 token sequences and 1 token positions for 2 query tokens"));
  EXPECT_TRUE(fails_with(
      [&] {
        call({1, 32}, {1, 16}, AttentionBatch{{0}, {8}, {{1, 3}}});
      },
      "token 0 at position 8 of sequence 0 needs 3 blocks of 4 but its block table has 2"));
  EXPECT_TRUE(fails_with(
      [&] {
        call({1, 32}, {1, 16}, AttentionBatch{{1}, {0}, {{1}}});
      },
      "token 0 belongs to sequence 1 but the batch has 1 block tables"));
  EXPECT_TRUE(fails_with(
      [&] {
        call({1, 32}, {1, 16}, AttentionBatch{{0}, {0}, {{4}}});
      },
      "block id 4 out of range [0, 4)"));
  EXPECT_TRUE(fails_with([&] { paged_attention(Tensor(), Tensor(), Tensor(), cache, 7, ok); }, "query"));
  EXPECT_TRUE(fails_with(
      [&] {
        Tensor q = f32_tensor(random_floats(32, 1), {1, 32}, device()),
               k = f32_tensor(random_floats(16, 1), {1, 16}, device());
        paged_attention(q, k, k, cache, 7, ok);
      },
      "KV cache layer 7 out of range [0, 2)"));
  EXPECT_TRUE(fails_with([&] { KvCache({1, 0, 16, 2, 8}); }, "must all be >= 1"));
}

INSTANTIATE_TEST_SUITE_P(Devices, PagedAttention, ::testing::Values(Device::cpu),
                         [](const auto& info) { return std::string(to_string(info.param)); });

}  // namespace
}  // namespace chunkwise::runtime
