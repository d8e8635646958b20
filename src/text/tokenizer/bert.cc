// Placeholder until the BERT components land: each one is Error(unsupported), never a silently wrong result.
#include "text/tokenizer/bert.h"

#include <nlohmann/json.hpp>

#include "common/error.h"

namespace chunkwise::text {

std::unique_ptr<Normalizer> make_bert_normalizer(const nlohmann::json&) {
  fail(ErrorKind::unsupported, "BertNormalizer is not implemented yet");
}
std::unique_ptr<PreTokenizer> make_bert_pre_tokenizer(const nlohmann::json&) {
  fail(ErrorKind::unsupported, "BertPreTokenizer is not implemented yet");
}
std::unique_ptr<Model> make_wordpiece_model(const nlohmann::json&) {
  fail(ErrorKind::unsupported, "WordPiece model is not implemented yet");
}
std::unique_ptr<Decoder> make_wordpiece_decoder(const nlohmann::json&) {
  fail(ErrorKind::unsupported, "WordPiece decoder is not implemented yet");
}

}  // namespace chunkwise::text
