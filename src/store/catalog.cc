#include "store/catalog.h"

#include <algorithm>
#include <ctime>
#include <nlohmann/json.hpp>

#include "common/error.h"

namespace chunkwise::store {

namespace {

// Migration i takes the schema from version i to i + 1.
constexpr const char* kMigrations[] = {
    R"sql(
CREATE TABLE documents(
  id INTEGER PRIMARY KEY,
  path TEXT NOT NULL UNIQUE,
  content_hash TEXT NOT NULL,
  size INTEGER NOT NULL,
  mtime_ns INTEGER NOT NULL,
  ingested_at INTEGER NOT NULL,
  chunker TEXT NOT NULL,
  chunk_count INTEGER NOT NULL
);
CREATE TABLE chunks(
  id INTEGER PRIMARY KEY,
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  ordinal INTEGER NOT NULL,
  text TEXT NOT NULL,
  byte_begin INTEGER NOT NULL,
  byte_end INTEGER NOT NULL,
  line_begin INTEGER NOT NULL,
  line_end INTEGER NOT NULL,
  token_count INTEGER NOT NULL,
  headings TEXT NOT NULL,
  page INTEGER NOT NULL,
  prev_id INTEGER,
  next_id INTEGER,
  UNIQUE(document_id, ordinal)
);
CREATE VIRTUAL TABLE chunks_fts USING fts5(text, content='chunks', content_rowid='id',
                                          tokenize='porter unicode61 remove_diacritics 2');
CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
  INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
END;
CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
  INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
END;
CREATE TRIGGER chunks_fts_update AFTER UPDATE OF text ON chunks BEGIN
  INSERT INTO chunks_fts(chunks_fts, rowid, text) VALUES ('delete', old.id, old.text);
  INSERT INTO chunks_fts(rowid, text) VALUES (new.id, new.text);
END;
)sql",
    // 2: catalog identity, document tags, chunk embeddings per embedding model.
    R"sql(
CREATE TABLE catalog_info(key TEXT PRIMARY KEY, value TEXT NOT NULL);
INSERT INTO catalog_info(key, value) VALUES ('catalog_id', lower(hex(randomblob(16))));
CREATE TABLE document_tags(
  document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
  tag TEXT NOT NULL,
  PRIMARY KEY(document_id, tag)
);
CREATE INDEX document_tags_by_tag ON document_tags(tag);
CREATE TABLE embedding_models(
  id INTEGER PRIMARY KEY,
  fingerprint TEXT NOT NULL UNIQUE,
  path TEXT NOT NULL,
  dimension INTEGER NOT NULL,
  generation INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE chunk_embeddings(
  model_id INTEGER NOT NULL REFERENCES embedding_models(id) ON DELETE CASCADE,
  chunk_id INTEGER NOT NULL REFERENCES chunks(id) ON DELETE CASCADE,
  vector BLOB NOT NULL,
  PRIMARY KEY(model_id, chunk_id)
);
CREATE INDEX chunk_embeddings_by_chunk ON chunk_embeddings(chunk_id);
CREATE TRIGGER chunk_embeddings_insert AFTER INSERT ON chunk_embeddings BEGIN
  UPDATE embedding_models SET generation = generation + 1 WHERE id = new.model_id;
END;
CREATE TRIGGER chunk_embeddings_update AFTER UPDATE ON chunk_embeddings BEGIN
  UPDATE embedding_models SET generation = generation + 1 WHERE id IN (old.model_id, new.model_id);
END;
CREATE TRIGGER chunk_embeddings_delete AFTER DELETE ON chunk_embeddings BEGIN
  UPDATE embedding_models SET generation = generation + 1 WHERE id = old.model_id;
END;
)sql",
    // 3: put_document adds the chunks to the full-text index itself. Through the insert trigger every chunk
    // was a nested statement, and FTS5 writes its pending terms out as a new segment at each statement
    // savepoint: thousands of one-chunk segments to merge, 3x the time of the whole rest of a build.
    R"sql(
DROP TRIGGER IF EXISTS chunks_fts_insert;
)sql",
    // 4: a generation number of the chunks, for indexes kept outside SQLite.
    R"sql(
INSERT OR IGNORE INTO catalog_info(key, value) VALUES ('chunks_generation', '0');
)sql",
};
constexpr int kMigrationCount = sizeof(kMigrations) / sizeof(kMigrations[0]);
static_assert(kMigrationCount == kSchemaVersion);

constexpr const char* kDocumentColumns =
    "id, path, content_hash, size, mtime_ns, ingested_at, chunker, chunk_count";

DocumentRecord read_document(const Statement& row) {
  return {row.column_int(0), row.column_text(1), row.column_text(2), row.column_int(3),
          row.column_int(4), row.column_int(5),  row.column_text(6), row.column_int(7)};
}

std::vector<std::string> parse_headings(const std::string& json) {
  std::vector<std::string> headings;
  const nlohmann::json parsed = nlohmann::json::parse(json, nullptr, false);
  if (parsed.is_array())
    for (const auto& h : parsed)
      if (h.is_string()) headings.push_back(h.get<std::string>());
  return headings;
}

}  // namespace

std::string content_hash(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 0x100000001b3ull;
  }
  return fmt::format("{:016x}", hash);
}

Catalog::Catalog(const std::filesystem::path& path, CatalogOptions options)
    : db_(path, options.read_only ? Database::Mode::read_only : Database::Mode::read_write,
          options.busy_timeout_ms) {
  if (!options.read_only) {
    replay_ = register_token_replay(db_);  // before FTS5 opens chunks_fts on this connection
    // 16 KiB pages for a new catalog (an existing one keeps its own): a quarter of the pages and WAL frames
    // to write; an index build with its checkpoint took 0.86x the time of 4 KiB pages
    // (bench/retrieve/bm25_bench).
    db_.exec("PRAGMA page_size=16384");
    Statement wal = db_.prepare("PRAGMA journal_mode=WAL");
    if (!wal.step() || wal.column_text(0) != "wal")
      fail(ErrorKind::io, "{}: cannot switch to WAL mode (journal mode {})", db_.path(), wal.column_text(0));
    db_.exec("PRAGMA synchronous=NORMAL");
  }
  db_.exec("PRAGMA foreign_keys=ON");
  migrate(options.read_only);
}

void Catalog::migrate(bool read_only) {
  auto current_version = [this] {
    Statement has_table =
        db_.prepare("SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'schema_version'");
    has_table.step();
    if (has_table.column_int(0) == 0) {
      Statement tables = db_.prepare("SELECT count(*) FROM sqlite_schema");
      tables.step();
      if (tables.column_int(0) != 0)
        fail(ErrorKind::invalid_input, "{}: not a chunkwise catalog (a database without schema_version)",
             db_.path());
      return 0;
    }
    Statement version = db_.prepare("SELECT max(version) FROM schema_version");
    return version.step() ? static_cast<int>(version.column_int(0)) : 0;
  };
  int version = current_version();
  if (version > kSchemaVersion)
    fail(ErrorKind::unsupported, "{}: catalog schema version {} is newer than this chunkwise's {}",
         db_.path(), version, kSchemaVersion);
  if (version == kSchemaVersion) return;
  if (read_only)
    fail(ErrorKind::invalid_input, "{}: {}", db_.path(),
         version == 0
             ? "not a chunkwise catalog (empty database)"
             : fmt::format("catalog schema version {} needs migrating: run chunkwise ingest on it once",
                           version));
  Transaction transaction(db_);
  version = current_version();  // another writer may have migrated it meanwhile
  if (version == 0) db_.exec("CREATE TABLE schema_version(version INTEGER NOT NULL)");
  for (; version < kSchemaVersion; ++version) db_.exec(kMigrations[version]);
  db_.exec("DELETE FROM schema_version");
  db_.prepare("INSERT INTO schema_version(version) VALUES (?)").bind(1, int64_t{kSchemaVersion}).step();
  transaction.commit();
}

Catalog::Transaction::Transaction(Database& db) : db_(&db) {
  db_->exec("BEGIN IMMEDIATE");
}

Catalog::Transaction::~Transaction() {
  if (!done_ && db_->in_transaction()) {
    try {
      db_->exec("ROLLBACK");
    } catch (const Error&) {
      // Nothing more to do: SQLite rolls the journal back when the file is next opened.
    }
  }
}

void Catalog::Transaction::commit() {
  db_->exec("COMMIT");
  done_ = true;
}

bool Catalog::is_unchanged(std::string_view path, std::string_view hash, std::string_view chunker) {
  const std::optional<DocumentRecord> stored = find_document(path);
  return stored && stored->content_hash == hash && stored->chunker == chunker;
}

PutResult Catalog::put_document(const DocumentInput& document) {
  if (!db_.in_transaction()) fail(ErrorKind::internal, "put_document outside a transaction");
  const std::vector<text::Chunk>& chunks = *document.chunks;
  const std::optional<DocumentRecord> stored = find_document(document.path);
  if (stored && stored->content_hash == document.content_hash && stored->chunker == document.chunker)
    return PutResult::unchanged;

  int64_t document_id;
  const int64_t now = static_cast<int64_t>(std::time(nullptr));
  if (stored) {
    document_id = stored->id;
    db_.cached("DELETE FROM chunks WHERE document_id = ?").bind(1, document_id).step();
    db_.cached(
           "UPDATE documents SET content_hash = ?, size = ?, mtime_ns = ?, ingested_at = ?, chunker = ?, "
           "chunk_count = ? WHERE id = ?")
        .bind(1, document.content_hash)
        .bind(2, document.size)
        .bind(3, document.mtime_ns)
        .bind(4, now)
        .bind(5, document.chunker)
        .bind(6, static_cast<int64_t>(chunks.size()))
        .bind(7, document_id)
        .step();
  } else {
    db_.cached(
           "INSERT INTO documents(path, content_hash, size, mtime_ns, ingested_at, chunker, chunk_count) "
           "VALUES (?, ?, ?, ?, ?, ?, ?)")
        .bind(1, document.path)
        .bind(2, document.content_hash)
        .bind(3, document.size)
        .bind(4, document.mtime_ns)
        .bind(5, now)
        .bind(6, document.chunker)
        .bind(7, static_cast<int64_t>(chunks.size()))
        .step();
    document_id = db_.last_insert_rowid();
  }

  // Consecutive ids after the largest one in use: this transaction is the only writer.
  Statement max_id = db_.cached("SELECT coalesce(max(id), 0) FROM chunks");
  max_id.step();
  const int64_t first_id = max_id.column_int(0) + 1;

  std::vector<size_t> newlines;
  for (size_t at = document.text.find('\n'); at != std::string_view::npos;
       at = document.text.find('\n', at + 1))
    newlines.push_back(at);
  auto line_of = [&](size_t byte) {
    return static_cast<int64_t>(std::lower_bound(newlines.begin(), newlines.end(), byte) - newlines.begin()) +
           1;
  };

  Statement insert = db_.cached(
      "INSERT INTO chunks(id, document_id, ordinal, text, byte_begin, byte_end, line_begin, line_end, "
      "token_count, headings, page, prev_id, next_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)");
  Statement index = db_.cached("INSERT INTO chunks_fts(rowid, text) VALUES (?, ?)");  // no trigger: see 3
  // Consecutive chunks mostly share their headings path: its JSON is written once for them.
  const std::vector<std::string>* last_headings = nullptr;
  std::string last_json;
  auto headings_json = [&](const std::vector<std::string>& headings) -> const std::string& {
    if (!last_headings || *last_headings != headings) {
      last_json = nlohmann::json(headings).dump();
      last_headings = &headings;
    }
    return last_json;
  };
  const std::vector<PreparedTokens>* prepared =
      document.tokens && document.tokens->size() == chunks.size() ? document.tokens : nullptr;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const text::Chunk& chunk = chunks[i];
    const int64_t id = first_id + static_cast<int64_t>(i);
    insert.bind(1, id)
        .bind(2, document_id)
        .bind(3, static_cast<int64_t>(i))
        .bind_static(4, chunk.text)
        .bind(5, static_cast<int64_t>(chunk.begin))
        .bind(6, static_cast<int64_t>(chunk.end))
        .bind(7, line_of(chunk.begin))
        .bind(8, line_of(chunk.end > chunk.begin ? chunk.end - 1 : chunk.begin))
        .bind(9, static_cast<int64_t>(chunk.token_count))
        .bind_static(10, headings_json(chunk.headings))
        .bind(11, int64_t{chunk.page})
        .bind(12, i > 0 ? std::optional<int64_t>(id - 1) : std::nullopt)
        .bind(13, i + 1 < chunks.size() ? std::optional<int64_t>(id + 1) : std::nullopt);
    insert.step();
    insert.reset();
    index.bind(1, id).bind_static(2, chunk.text);
    if (prepared) {
      const TokenReplay::Expectation expected = replay_->expect(chunk.text, (*prepared)[i]);
      index.step();
    } else {
      index.step();
    }
    index.reset();
  }
  bump_chunks_generation();
  return stored ? PutResult::replaced : PutResult::added;
}

std::vector<PutResult> Catalog::put_documents(std::span<const DocumentInput> documents) {
  std::vector<const std::vector<text::Chunk>*> chunks;
  for (const DocumentInput& document : documents) chunks.push_back(document.chunks);
  std::optional<TokenPreparer> preparer;
  if (documents.size() > 1) preparer.emplace(std::move(chunks));
  std::vector<PutResult> results;
  results.reserve(documents.size());
  for (size_t i = 0; i < documents.size(); ++i) {
    DocumentInput document = documents[i];
    if (!document.tokens && preparer) document.tokens = preparer->tokens(i);
    results.push_back(put_document(document));
  }
  return results;
}

void Catalog::bump_chunks_generation() {
  db_.cached(
         "UPDATE catalog_info SET value = CAST(CAST(value AS INTEGER) + 1 AS TEXT) WHERE key = "
         "'chunks_generation'")
      .step();
}

int64_t Catalog::chunks_generation() {
  Statement query =
      db_.prepare("SELECT CAST(value AS INTEGER) FROM catalog_info WHERE key = 'chunks_generation'");
  if (!query.step()) fail(ErrorKind::internal, "{}: catalog without chunks_generation", db_.path());
  return query.column_int(0);
}

ChunksVersion Catalog::chunks_version() {
  Statement query = db_.prepare(
      "SELECT (SELECT value FROM catalog_info WHERE key = 'catalog_id'), "
      "(SELECT CAST(value AS INTEGER) FROM catalog_info WHERE key = 'chunks_generation')");
  query.step();
  if (query.column_is_null(0) || query.column_is_null(1))
    fail(ErrorKind::invalid_input, "{}: catalog without catalog_id or chunks_generation", db_.path());
  return {query.column_text(0), query.column_int(1)};
}

size_t Catalog::remove_documents(std::string_view path) {
  std::string exact(path);
  while (exact.size() > 1 && exact.back() == '/') exact.pop_back();
  const std::string prefix = exact == "/" ? exact : exact + "/";
  Transaction transaction(db_);
  const char* where = "(path = ?1 OR substr(path, 1, length(?2)) = ?2)";
  db_.prepare(
         fmt::format("DELETE FROM chunks WHERE document_id IN (SELECT id FROM documents WHERE {})", where))
      .bind(1, exact)
      .bind(2, prefix)
      .step();
  db_.prepare(fmt::format("DELETE FROM documents WHERE {}", where)).bind(1, exact).bind(2, prefix).step();
  const auto removed = static_cast<size_t>(db_.changes());
  if (removed > 0) bump_chunks_generation();
  transaction.commit();
  return removed;
}

std::optional<DocumentRecord> Catalog::find_document(std::string_view path) {
  static const std::string sql = fmt::format("SELECT {} FROM documents WHERE path = ?", kDocumentColumns);
  Statement query = db_.cached(sql);
  query.bind(1, path);
  if (!query.step()) return std::nullopt;
  return read_document(query);
}

std::vector<DocumentRecord> Catalog::documents() {
  std::vector<DocumentRecord> records;
  Statement query = db_.prepare(fmt::format("SELECT {} FROM documents ORDER BY path", kDocumentColumns));
  while (query.step()) records.push_back(read_document(query));
  return records;
}

std::vector<StoredChunk> Catalog::chunks_of(int64_t document_id) {
  std::vector<StoredChunk> chunks;
  Statement query = db_.prepare(
      "SELECT id, document_id, ordinal, text, byte_begin, byte_end, line_begin, line_end, token_count, "
      "headings, "
      "page, prev_id, next_id FROM chunks WHERE document_id = ? ORDER BY ordinal");
  query.bind(1, document_id);
  while (query.step()) {
    StoredChunk& chunk = chunks.emplace_back();
    chunk.id = query.column_int(0);
    chunk.document_id = query.column_int(1);
    chunk.ordinal = query.column_int(2);
    chunk.text = query.column_text(3);
    chunk.byte_begin = query.column_int(4);
    chunk.byte_end = query.column_int(5);
    chunk.line_begin = query.column_int(6);
    chunk.line_end = query.column_int(7);
    chunk.token_count = query.column_int(8);
    chunk.headings = parse_headings(query.column_text(9));
    chunk.page = static_cast<int>(query.column_int(10));
    if (!query.column_is_null(11)) chunk.prev_id = query.column_int(11);
    if (!query.column_is_null(12)) chunk.next_id = query.column_int(12);
  }
  return chunks;
}

int64_t Catalog::document_count() {
  Statement query = db_.prepare("SELECT count(*) FROM documents");
  query.step();
  return query.column_int(0);
}

int64_t Catalog::chunk_count() {
  Statement query = db_.prepare("SELECT count(*) FROM chunks");
  query.step();
  return query.column_int(0);
}

std::string Catalog::integrity_check() {
  std::string problems;
  Statement check = db_.prepare("PRAGMA integrity_check");
  while (check.step()) {
    const std::string line = check.column_text(0);
    if (line != "ok") problems += (problems.empty() ? "" : "; ") + line;
  }
  try {
    db_.exec("INSERT INTO chunks_fts(chunks_fts, rank) VALUES ('integrity-check', 1)");
  } catch (const Error& e) {
    problems += (problems.empty() ? "" : "; ") + std::string("full-text index: ") + e.what();
  }
  return problems.empty() ? "ok" : problems;
}

}  // namespace chunkwise::store
