// One retrieved chunk with where it comes from, as retrieval returns it and selection passes it on.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace chunkwise::retrieve {

struct SearchHit {
  int64_t chunk_id = 0;
  int64_t document_id = 0;
  int64_t ordinal = 0;  // position of the chunk in its document
  double score = 0;     // higher is more relevant; comparable only within one result list
  std::string path;
  int64_t byte_begin = 0;
  int64_t byte_end = 0;
  int64_t line_begin = 0;
  int64_t line_end = 0;
  int64_t token_count = 0;
  std::vector<std::string> headings;
  int page = 0;
  std::string text;
  std::string snippet;                  // a short excerpt around the matches
  std::vector<float> embedding;         // the chunk's embedding when one was read (selectors compare with it)
  std::optional<int64_t> neighbour_of;  // set when a selector added this chunk as a neighbour of that one
};

}  // namespace chunkwise::retrieve
