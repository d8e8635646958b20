// Model components: BPE (bpe_model.cc) and WordLevel (word_level_model.cc).
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/components.h"

namespace chunkwise::text {

std::unique_ptr<Model> make_bpe_model(const nlohmann::json& spec, ByteLevelMode mode, BpeTables* tables);
std::unique_ptr<Model> make_word_level_model(const nlohmann::json& spec);

}  // namespace chunkwise::text
