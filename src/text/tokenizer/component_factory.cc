#include "text/tokenizer/component_factory.h"

#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/bert.h"
#include "text/tokenizer/decoders.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/models.h"
#include "text/tokenizer/normalizers.h"
#include "text/tokenizer/post_processors.h"
#include "text/tokenizer/pre_tokenizers.h"

namespace chunkwise::text {

std::unique_ptr<Normalizer> make_normalizer(const nlohmann::json& spec) {
  const std::string type = component_type(spec);
  if (type == "NFC") return make_unicode_normalizer(UnicodeForm::nfc);
  if (type == "NFD") return make_unicode_normalizer(UnicodeForm::nfd);
  if (type == "NFKC") return make_unicode_normalizer(UnicodeForm::nfkc);
  if (type == "NFKD") return make_unicode_normalizer(UnicodeForm::nfkd);
  if (type == "Lowercase") return make_lowercase_normalizer();
  if (type == "Strip") return make_strip_normalizer(spec);
  if (type == "StripAccents") return make_strip_accents_normalizer();
  if (type == "Replace") return make_replace_normalizer(spec);
  if (type == "Prepend") return make_prepend_normalizer(spec);
  if (type == "Sequence") return make_sequence_normalizer(spec);
  if (type == "BertNormalizer") return make_bert_normalizer(spec);
  fail(ErrorKind::unsupported, "unsupported normalizer type '{}'", type);
}

std::unique_ptr<PreTokenizer> make_pre_tokenizer(const nlohmann::json& spec, ByteLevelMode mode) {
  const std::string type = component_type(spec);
  if (type == "Split") return make_split_pre_tokenizer(spec);
  if (type == "ByteLevel") return make_byte_level_pre_tokenizer(spec, mode);
  if (type == "Metaspace") return make_metaspace_pre_tokenizer(spec);
  if (type == "Digits") return make_digits_pre_tokenizer(spec);
  if (type == "Whitespace") return make_whitespace_pre_tokenizer();
  if (type == "WhitespaceSplit") return make_whitespace_split_pre_tokenizer();
  if (type == "Punctuation") return make_punctuation_pre_tokenizer(spec);
  if (type == "CharDelimiterSplit") return make_char_delimiter_pre_tokenizer(spec);
  if (type == "Sequence") return make_sequence_pre_tokenizer(spec, mode);
  if (type == "BertPreTokenizer") return make_bert_pre_tokenizer(spec);
  fail(ErrorKind::unsupported, "unsupported pre-tokenizer type '{}'", type);
}

std::unique_ptr<Model> make_model(const nlohmann::json& spec, ByteLevelMode mode, BpeTables* tables) {
  // Hugging Face accepts a model object without "type" and guesses from its fields; chunkwise asks for it.
  const std::string type = component_type(spec);
  if (type == "BPE") return make_bpe_model(spec, mode, tables);
  if (type == "WordLevel") return make_word_level_model(spec);
  if (type == "WordPiece") return make_wordpiece_model(spec);
  fail(ErrorKind::unsupported, "unsupported model type '{}'", type);
}

std::unique_ptr<PostProcessor> make_post_processor(const nlohmann::json& spec) {
  const std::string type = component_type(spec);
  if (type == "TemplateProcessing") return make_template_post_processor(spec);
  if (type == "ByteLevel") return make_byte_level_post_processor();
  if (type == "BertProcessing") return make_bert_post_processor(spec);
  if (type == "RobertaProcessing") return make_roberta_post_processor(spec);
  if (type == "Sequence") return make_sequence_post_processor(spec);
  fail(ErrorKind::unsupported, "unsupported post-processor type '{}'", type);
}

std::unique_ptr<Decoder> make_decoder(const nlohmann::json& spec) {
  const std::string type = component_type(spec);
  if (type == "ByteLevel") return make_byte_level_decoder();
  if (type == "Metaspace") return make_metaspace_decoder(spec);
  if (type == "ByteFallback") return make_byte_fallback_decoder();
  if (type == "Fuse") return make_fuse_decoder();
  if (type == "Strip") return make_strip_decoder(spec);
  if (type == "Replace") return make_replace_decoder(spec);
  if (type == "BPEDecoder") return make_bpe_decoder(spec);
  if (type == "Sequence") return make_sequence_decoder(spec);
  if (type == "WordPiece") return make_wordpiece_decoder(spec);
  fail(ErrorKind::unsupported, "unsupported decoder type '{}'", type);
}

bool ends_with_byte_level(const nlohmann::json& spec) {
  if (!spec.is_object()) return false;
  const auto type = spec.find("type");
  if (type == spec.end() || !type->is_string()) return false;
  if (*type == "ByteLevel") return true;
  if (*type != "Sequence") return false;
  const auto list = spec.find("pretokenizers");
  if (list == spec.end() || !list->is_array() || list->empty()) return false;
  for (size_t i = 0; i + 1 < list->size(); ++i) {
    const auto& step = (*list)[i];
    if (!step.is_object() || !step.contains("type") || step["type"] == "ByteLevel" ||
        step["type"] == "Sequence")
      return false;
  }
  return ends_with_byte_level(list->back());
}

}  // namespace chunkwise::text
