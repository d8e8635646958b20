// One forward pass of a decoder: tokens of several sequences, each at explicit positions, mixing prefill
// chunks and decode steps (SARATHI-style batches). The caller owns the KV cache blocks (block_tables).
#pragma once

#include <cstdint>
#include <vector>

#include "runtime/ops/paged_attention.h"

namespace chunkwise::model {

struct ForwardBatch {
  std::vector<int32_t> tokens;  // [T] token ids
  runtime::AttentionBatch
      attention;  // [T] sequence index and position of each token, block table per sequence
  // Tokens whose hidden state / logits the pass returns, ascending (e.g. the last token of each sequence).
  // Empty: every token.
  std::vector<int32_t> output_rows;

  // Checks sizes, ids against the vocabulary, positions against the block tables, and that the tokens of
  // one sequence are contiguous and in increasing position order. Throws Error(invalid_input).
  void validate(int64_t vocab_size, int block_size) const;

  // A batch of one sequence (index 0): `tokens` at positions start, start + 1, ...; logits of the last token
  // only when `last_only`.
  static ForwardBatch for_sequence(std::vector<int32_t> tokens, int32_t start, runtime::BlockTable blocks,
                                   bool last_only);
};

}  // namespace chunkwise::model
