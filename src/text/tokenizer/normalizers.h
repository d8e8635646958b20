// Normalizer components (one per file); component_factory dispatches to these by "type".
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

enum class UnicodeForm { nfc, nfd, nfkc, nfkd };

std::unique_ptr<Normalizer> make_unicode_normalizer(UnicodeForm form);
std::unique_ptr<Normalizer> make_lowercase_normalizer();
std::unique_ptr<Normalizer> make_strip_normalizer(const nlohmann::json& spec);
std::unique_ptr<Normalizer> make_strip_accents_normalizer();
std::unique_ptr<Normalizer> make_replace_normalizer(const nlohmann::json& spec);
std::unique_ptr<Normalizer> make_prepend_normalizer(const nlohmann::json& spec);
std::unique_ptr<Normalizer> make_sequence_normalizer(const nlohmann::json& spec);

}  // namespace chunkwise::text
