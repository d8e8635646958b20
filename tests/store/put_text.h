// Stores `text` at `path` in its own write transaction, chunked into windows of 2 words: what the catalog
// tests need of a document.
#pragma once

#include <string>
#include <vector>

#include "store/catalog.h"
#include "text/chunk/token_chunker.h"

namespace chunkwise::store {

inline PutResult put_text(Catalog& catalog, const std::string& path, const std::string& text,
                          const std::string& chunker = "token 2", int64_t mtime_ns = 7) {
  const std::vector<text::Chunk> chunks = text::TokenChunker(2, 0).chunk(text);
  auto transaction = catalog.begin_write();
  const PutResult result = catalog.put_document(
      {path, content_hash(text), static_cast<int64_t>(text.size()), mtime_ns, chunker, text, &chunks});
  transaction.commit();
  return result;
}

}  // namespace chunkwise::store
