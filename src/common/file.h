// Whole-file reads with errors that name the path.
#pragma once

#include <filesystem>
#include <string>

namespace chunkwise {

// Reads a whole file; throws Error(not_found) if it does not exist, Error(io) if it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace chunkwise
