// Decoder components: ByteLevel, Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder, Sequence.
#pragma once

#include <memory>
#include <nlohmann/json_fwd.hpp>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

std::unique_ptr<Decoder> make_byte_level_decoder();
std::unique_ptr<Decoder> make_metaspace_decoder(const nlohmann::json& spec);
std::unique_ptr<Decoder> make_byte_fallback_decoder();
std::unique_ptr<Decoder> make_fuse_decoder();
std::unique_ptr<Decoder> make_strip_decoder(const nlohmann::json& spec);
std::unique_ptr<Decoder> make_replace_decoder(const nlohmann::json& spec);
std::unique_ptr<Decoder> make_bpe_decoder(const nlohmann::json& spec);
std::unique_ptr<Decoder> make_sequence_decoder(const nlohmann::json& spec);

}  // namespace chunkwise::text
