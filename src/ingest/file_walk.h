// Which files an ingest reads: named files as they are, directories recursively. Under a directory, hidden
// entries (names starting with '.') are skipped, and include/exclude globs (fnmatch, `*` also matches '/')
// are matched against the path relative to the named directory and against the file name: a file is taken
// if it matches some include (or there are none) and no exclude; a directory matching an exclude is not
// entered. Symbolic links to files are followed, to directories not.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace chunkwise::ingest {

struct WalkOptions {
  std::vector<std::string> include;
  std::vector<std::string> exclude;
};

struct FoundFile {
  std::filesystem::path path;  // absolute, symbolic links resolved
  uint64_t size = 0;
};

struct WalkResult {
  std::vector<FoundFile> files;     // sorted by path, each once
  std::vector<std::string> errors;  // "PATH: why" for each path that could not be listed
};

WalkResult find_files(const std::vector<std::filesystem::path>& roots, const WalkOptions& options);

// The form a path is stored under in the catalog: absolute, normalized, symbolic links resolved as far as
// the path exists.
std::filesystem::path catalog_path(const std::filesystem::path& path);

}  // namespace chunkwise::ingest
