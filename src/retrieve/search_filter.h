// Metadata filters shared by every retrieval mode: a hit must match one of the path globs (if any), be in
// one of the documents (if any) and carry one of the tags (if any).
//
// Globs are SQLite GLOB patterns (* ? [...], case-sensitive, * also crosses '/') matched against the stored
// path (absolute for files; as named for stdin and uploads); a glob that starts with neither '/' nor '*' also
// matches the end of the path after a '/', so "docs/*.md" finds /home/me/project/docs/intro.md, and "curl*"
// finds a document stored as "curl.txt".
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "store/sqlite.h"

namespace chunkwise::retrieve {

struct SearchFilter {
  std::vector<std::string> path_globs;
  std::vector<int64_t> document_ids;
  std::vector<std::string> tags;

  bool empty() const { return path_globs.empty() && document_ids.empty() && tags.empty(); }
};

// The filter as an SQL condition on the documents table aliased `d` ("1" when empty), with `?` parameters
// that bind_filter() fills in the same order.
std::string filter_sql(const SearchFilter& filter);
// Binds the filter's parameters from `first_index` on; returns the next free index.
int bind_filter(store::Statement& statement, int first_index, const SearchFilter& filter);

// The pattern a path glob is matched with (see above).
std::string sqlite_glob(const std::string& glob);

}  // namespace chunkwise::retrieve
