// Post-processor components: TemplateProcessing, BertProcessing, RobertaProcessing, ByteLevel, Sequence.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

std::unique_ptr<PostProcessor> make_template_post_processor(const nlohmann::json& spec);
// BertProcessing ([CLS] A [SEP] B [SEP]) and RobertaProcessing (<s> A </s></s> B </s>).
std::unique_ptr<PostProcessor> make_bert_post_processor(const nlohmann::json& spec);
std::unique_ptr<PostProcessor> make_roberta_post_processor(const nlohmann::json& spec);
std::unique_ptr<PostProcessor> make_byte_level_post_processor();
std::unique_ptr<PostProcessor> make_sequence_post_processor(const nlohmann::json& spec);

}  // namespace chunkwise::text
