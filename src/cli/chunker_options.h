// The chunker flags that `chunkwise chunk` and `chunkwise ingest` share (--chunker, --chunk-size,
// --chunk-overlap, the semantic and perplexity settings and the chunker's model).
#pragma once

#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "text/chunk/chunker.h"

namespace chunkwise::cli {

struct ChunkerFlags {
  text::ChunkerConfig config;
  std::string model;  // the semantic / perplexity chunker's model directory
  std::optional<double> similarity;
  CLI::Option* overlap = nullptr;  // set by add_chunker_flags
};

// Adds the flags to `cmd`; the model directory is taken with `model_flag` ("--model", "--chunk-model").
void add_chunker_flags(CLI::App& cmd, ChunkerFlags& flags, const std::string& model_flag);

// The configuration the flags give (call after parsing).
text::ChunkerConfig chunker_config(const ChunkerFlags& flags);

}  // namespace chunkwise::cli
