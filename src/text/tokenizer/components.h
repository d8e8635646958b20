// The stages of a Hugging Face tokenizer pipeline, as tokenizer.json describes them:
//   normalizer -> pre-tokenizer -> model -> post-processor      (encode)
//   ids -> tokens -> decoder                                     (decode)
// Each stage is an interface here; each component (NFC, Split, BPE, ByteLevel, ...) implements one of them in its
// own file, and make_* turns the JSON object of tokenizer.json into the component. A component type that chunkwise
// does not implement is Error(unsupported) naming it: never a silently wrong tokenization.
#pragma once

#include <cstdint>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer/piece_list.h"

namespace chunkwise::text {

using TokenId = int32_t;

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Rewrites valid UTF-8 `text` in place into valid UTF-8.
  virtual void normalize(std::string& text) const = 0;
};

class PreTokenizer {
 public:
  virtual ~PreTokenizer() = default;
  // Splits (and possibly rewrites) every piece of `in` into `out`. `out` is cleared first.
  virtual void pre_tokenize(const PieceList& in, PieceList& out) const = 0;
};

// Maps one pre-tokenized piece to token ids.
class Model {
 public:
  virtual ~Model() = default;
  virtual void encode_piece(std::string_view piece, std::vector<TokenId>& ids) const = 0;
  virtual std::optional<TokenId> token_to_id(std::string_view token) const = 0;
  virtual std::optional<std::string_view> id_to_token(TokenId id) const = 0;
  virtual size_t vocab_size() const = 0;
};

// Adds special tokens around one sequence (or a pair) after the model ran.
class PostProcessor {
 public:
  virtual ~PostProcessor() = default;
  virtual void process(std::vector<TokenId>& ids, std::vector<TokenId>* pair, bool add_special_tokens) const = 0;
  // How many ids process() adds for a single sequence (or a pair) with add_special_tokens.
  virtual size_t added_tokens(bool pair) const = 0;
};

// Turns a sequence of token strings into text. Decoders chain: each gets the previous one's output pieces.
class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
};

}  // namespace chunkwise::text
