#include "model/forward_batch.h"

#include "common/error.h"

namespace chunkwise::model {

void ForwardBatch::validate(int64_t vocab_size, int block_size) const {
  const size_t count = tokens.size();
  if (attention.token_sequence.size() != count || attention.token_position.size() != count)
    fail(ErrorKind::invalid_input, "forward batch: {} tokens but {} sequence indices and {} positions", count,
         attention.token_sequence.size(), attention.token_position.size());
  std::vector<char> finished(attention.block_tables.size(), 0);
  for (size_t t = 0; t < count; ++t) {
    if (tokens[t] < 0 || tokens[t] >= vocab_size)
      fail(ErrorKind::invalid_input, "forward batch: token {} has id {}, outside the vocabulary [0, {})", t,
           tokens[t], vocab_size);
    const int32_t s = attention.token_sequence[t];
    if (s < 0 || size_t(s) >= attention.block_tables.size())
      fail(ErrorKind::invalid_input, "forward batch: token {} names sequence {} of {}", t, s,
           attention.block_tables.size());
    const int32_t p = attention.token_position[t];
    if (p < 0 || int64_t(p) >= int64_t(attention.block_tables[size_t(s)].size()) * block_size)
      fail(ErrorKind::invalid_input,
           "forward batch: token {} at position {} of sequence {} is past its {} cache blocks", t, p, s,
           attention.block_tables[size_t(s)].size());
    const bool continues = t > 0 && attention.token_sequence[t - 1] == s;
    if (continues && attention.token_position[t - 1] >= p)
      fail(ErrorKind::invalid_input, "forward batch: positions of sequence {} are not increasing at token {}",
           s, t);
    if (!continues) {
      if (finished[size_t(s)])
        fail(ErrorKind::invalid_input, "forward batch: the tokens of sequence {} are not contiguous", s);
      finished[size_t(s)] = 1;
    }
  }
  for (size_t i = 0; i < output_rows.size(); ++i)
    if (output_rows[i] < 0 || size_t(output_rows[i]) >= count ||
        (i > 0 && output_rows[i] <= output_rows[i - 1]))
      fail(ErrorKind::invalid_input, "forward batch: output row {} ({}) is out of range or not ascending", i,
           output_rows[i]);
}

ForwardBatch ForwardBatch::for_sequence(std::vector<int32_t> tokens, int32_t start,
                                        runtime::BlockTable blocks, bool last_only) {
  ForwardBatch batch;
  const auto count = int32_t(tokens.size());
  batch.tokens = std::move(tokens);
  batch.attention.token_sequence.assign(size_t(count), 0);
  for (int32_t i = 0; i < count; ++i) batch.attention.token_position.push_back(start + i);
  batch.attention.block_tables.push_back(std::move(blocks));
  if (last_only && count > 0) batch.output_rows = {count - 1};
  return batch;
}

}  // namespace chunkwise::model
