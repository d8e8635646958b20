// Tags on documents (schema version 2): free-form labels that searches can filter on. A document keeps its
// tags when it is re-ingested and loses them when it is removed.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/catalog.h"

namespace chunkwise::store {

// Adds `tags` to the document at `path`, or to every document under it if it names a directory (as
// Catalog::remove_documents matches); opens its own transaction; returns how many documents matched.
// Error(invalid_input) for an empty tag.
size_t tag_documents(Catalog& catalog, std::string_view path, std::span<const std::string> tags);

std::vector<std::string> tags_of(Catalog& catalog, int64_t document_id);

}  // namespace chunkwise::store
