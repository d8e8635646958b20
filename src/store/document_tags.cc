#include "store/document_tags.h"

#include "common/error.h"

namespace chunkwise::store {

size_t tag_documents(Catalog& catalog, std::string_view path, std::span<const std::string> tags) {
  for (const std::string& tag : tags)
    if (tag.empty()) fail(ErrorKind::invalid_input, "empty tag");
  std::string exact(path);
  while (exact.size() > 1 && exact.back() == '/') exact.pop_back();
  const std::string prefix = exact == "/" ? exact : exact + "/";
  auto transaction = catalog.begin_write();
  Statement matching = catalog.database().prepare(
      "SELECT count(*) FROM documents WHERE path = ?1 OR substr(path, 1, length(?2)) = ?2");
  matching.bind(1, exact).bind(2, prefix).step();
  const auto count = static_cast<size_t>(matching.column_int(0));
  Statement insert = catalog.database().prepare(
      "INSERT OR IGNORE INTO document_tags(document_id, tag) SELECT id, ?3 FROM documents "
      "WHERE path = ?1 OR substr(path, 1, length(?2)) = ?2");
  for (const std::string& tag : tags) {
    insert.reset();
    insert.bind(1, exact).bind(2, prefix).bind(3, tag).step();
  }
  transaction.commit();
  return count;
}

std::vector<std::string> tags_of(Catalog& catalog, int64_t document_id) {
  Statement query =
      catalog.database().prepare("SELECT tag FROM document_tags WHERE document_id = ? ORDER BY tag");
  query.bind(1, document_id);
  std::vector<std::string> tags;
  while (query.step()) tags.push_back(query.column_text(0));
  return tags;
}

}  // namespace chunkwise::store
