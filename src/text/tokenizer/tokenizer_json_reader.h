// Reads tokenizer.json with a streaming (SAX) parser: everything becomes a JSON document except the vocab and
// merges of a BPE model, which go straight into BpeTables (a JSON document of 150k vocab entries and merges
// is most of the load time). They are captured when the model's "type" ("BPE") comes before them, as in every
// file Hugging Face writes; otherwise they stay in the document and the model reads them from there.
#pragma once

#include <nlohmann/json.hpp>
#include <string_view>

#include "text/tokenizer/component_factory.h"

namespace chunkwise::text {

nlohmann::json read_tokenizer_json(std::string_view text, BpeTables& tables);

}  // namespace chunkwise::text
