#include "ingest/file_walk.h"

#include <fnmatch.h>

#include <algorithm>

namespace chunkwise::ingest {

namespace fs = std::filesystem;

namespace {

bool matches_any(const std::vector<std::string>& globs, const std::string& relative,
                 const std::string& name) {
  return std::any_of(globs.begin(), globs.end(), [&](const std::string& glob) {
    return fnmatch(glob.c_str(), relative.c_str(), 0) == 0 || fnmatch(glob.c_str(), name.c_str(), 0) == 0;
  });
}

void add_file(const fs::path& path, WalkResult& result) {
  std::error_code ec;
  const fs::path resolved = catalog_path(path);
  const uint64_t size = fs::file_size(resolved, ec);
  result.files.push_back({resolved, ec ? 0 : size});
}

// Depth-first with an explicit stack; a directory that cannot be listed is reported and the walk goes on.
void walk_directory(const fs::path& root, const WalkOptions& options, WalkResult& result) {
  std::vector<fs::path> pending = {root};
  while (!pending.empty()) {
    const fs::path directory = std::move(pending.back());
    pending.pop_back();
    std::error_code ec;
    std::vector<fs::directory_entry> entries;
    for (fs::directory_iterator it(directory, ec); !ec && it != fs::directory_iterator(); it.increment(ec))
      entries.push_back(*it);
    if (ec) {
      result.errors.push_back(directory.string() + ": " + ec.message());
      continue;
    }
    for (const fs::directory_entry& entry : entries) {
      const std::string name = entry.path().filename().string();
      if (name.starts_with('.')) continue;
      const std::string relative = entry.path().lexically_relative(root).string();
      if (entry.is_directory(ec) && !entry.is_symlink(ec)) {
        if (!matches_any(options.exclude, relative, name)) pending.push_back(entry.path());
        continue;
      }
      if (!entry.is_regular_file(ec)) continue;
      if (!options.include.empty() && !matches_any(options.include, relative, name)) continue;
      if (matches_any(options.exclude, relative, name)) continue;
      add_file(entry.path(), result);
    }
  }
}

}  // namespace

fs::path catalog_path(const fs::path& path) {
  std::error_code ec;
  fs::path resolved = fs::weakly_canonical(path, ec);
  if (ec) resolved = fs::absolute(path, ec);
  return resolved.lexically_normal();
}

WalkResult find_files(const std::vector<fs::path>& roots, const WalkOptions& options) {
  WalkResult result;
  for (const fs::path& root : roots) {
    std::error_code ec;
    const fs::file_status status = fs::status(root, ec);
    if (ec || !fs::exists(status)) {
      result.errors.push_back(root.string() + ": " +
                              (ec ? ec.message() : std::string("no such file or directory")));
    } else if (fs::is_directory(status)) {
      walk_directory(root, options, result);
    } else if (fs::is_regular_file(status)) {
      add_file(root, result);
    } else {
      result.errors.push_back(root.string() + ": not a regular file or directory");
    }
  }
  std::sort(result.files.begin(), result.files.end(),
            [](const FoundFile& a, const FoundFile& b) { return a.path < b.path; });
  result.files.erase(std::unique(result.files.begin(), result.files.end(),
                                 [](const FoundFile& a, const FoundFile& b) { return a.path == b.path; }),
                     result.files.end());
  return result;
}

}  // namespace chunkwise::ingest
