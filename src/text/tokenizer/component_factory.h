// Turns the component objects of tokenizer.json into components. An unknown "type" is Error(unsupported)
// naming it; a malformed object is Error(invalid_input) naming the field. Callers add the JSON path with
// with_context().
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <string>
#include <utility>
#include <vector>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

// How the byte-level alphabet is handled. With `raw_bytes`, a ByteLevel pre-tokenizer that ends the chain
// leaves pieces as raw bytes and the BPE model looks its vocabulary up by raw bytes (converted once at load
// time), so encoding never maps bytes to the GPT-2 alphabet and back.
struct ByteLevelMode {
  bool raw_bytes = false;
};

// The vocab and merges of a BPE model, read straight from the text of tokenizer.json (see
// read_tokenizer_json), which is much faster than through a JSON document. Merges are (left, right).
struct BpeTables {
  std::vector<std::pair<std::string, TokenId>> vocab;
  std::vector<std::pair<std::string, std::string>> merges;
  bool has_vocab = false;  // false: take it from the model's JSON object
  bool has_merges = false;
};

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, ByteLevelMode mode = {});
// With `tables`, a BPE model takes its vocab and merges from there instead of `spec`.
std::unique_ptr<Model> make_model(const nlohmann::json& spec, ByteLevelMode mode = {},
                                  BpeTables* tables = nullptr);
std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec);
std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec);

// Whether a pre-tokenizer spec ends with a ByteLevel pre-tokenizer (alone, or last of a Sequence) and has no
// other ByteLevel before it: then raw-byte encoding is equivalent.
bool ends_with_byte_level(const nlohmann::json& pre_tokenizer_spec);

}  // namespace chunkwise::text
