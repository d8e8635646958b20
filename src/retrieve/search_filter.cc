#include "retrieve/search_filter.h"

#include <fmt/format.h>

namespace chunkwise::retrieve {

namespace {

std::string placeholders(size_t n) {
  std::string out;
  for (size_t i = 0; i < n; ++i) out += i ? ", ?" : "?";
  return out;
}

}  // namespace

std::string sqlite_glob(const std::string& glob) {
  if (glob.empty() || glob.front() == '/' || glob.front() == '*') return glob;
  return "*/" + glob;
}

std::string filter_sql(const SearchFilter& filter) {
  std::vector<std::string> parts;
  if (!filter.path_globs.empty()) {
    std::string any;
    // Each glob twice: as given, and (when relative) at the end of a longer path (see sqlite_glob).
    for (size_t i = 0; i < filter.path_globs.size(); ++i)
      any += i ? " OR d.path GLOB ? OR d.path GLOB ?" : "d.path GLOB ? OR d.path GLOB ?";
    parts.push_back("(" + any + ")");
  }
  if (!filter.document_ids.empty())
    parts.push_back(fmt::format("d.id IN ({})", placeholders(filter.document_ids.size())));
  if (!filter.tags.empty())
    parts.push_back(
        fmt::format("EXISTS (SELECT 1 FROM document_tags t WHERE t.document_id = d.id AND t.tag IN ({}))",
                    placeholders(filter.tags.size())));
  if (parts.empty()) return "1";
  std::string sql;
  for (const std::string& part : parts) sql += (sql.empty() ? "" : " AND ") + part;
  return sql;
}

int bind_filter(store::Statement& statement, int index, const SearchFilter& filter) {
  for (const std::string& glob : filter.path_globs) {
    statement.bind(index++, glob);  // a name stored without directories (stdin, uploads) matches as is
    statement.bind(index++, sqlite_glob(glob));
  }
  for (const int64_t id : filter.document_ids) statement.bind(index++, id);
  for (const std::string& tag : filter.tags) statement.bind(index++, tag);
  return index;
}

}  // namespace chunkwise::retrieve
