// BERT-family components (WordPiece model and decoder, BertNormalizer, BertPreTokenizer). The component factory
// dispatches to these for the matching tokenizer.json "type" values.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

std::unique_ptr<Normalizer> make_bert_normalizer(const nlohmann::json& spec);
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer(const nlohmann::json& spec);
std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json& spec);
std::unique_ptr<Decoder> make_wordpiece_decoder(const nlohmann::json& spec);

}  // namespace chunkwise::text
