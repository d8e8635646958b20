// Shared helpers of the tokenizer tests: the reference tokenizer files and the multilingual corpus.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <string>
#include <vector>

namespace chunkwise::text::testing {

// Real tokenizer.json files of the reference families (installed by scripts/install-deps.sh --reference) and
// our own tiny model's.
struct Family {
  std::string name;
  std::filesystem::path dir;  // holds tokenizer.json (+ tokenizer_config.json)
};
std::vector<Family> golden_families();

// Fails the current test (does not skip) when a reference file is missing.
bool require_reference_file(const std::filesystem::path& path);

// The corpus lines as the text that is encoded (invalid UTF-8 lines are kept as raw bytes).
std::vector<std::string> corpus_lines();

std::string read_text_file(const std::filesystem::path& path);

}  // namespace chunkwise::text::testing
