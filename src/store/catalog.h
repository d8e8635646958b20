// The chunk catalog: one SQLite file in WAL mode holding documents, their chunks and an FTS5 index over the
// chunk text. Writes happen in transactions that hold whole documents, so a crash at any moment leaves every
// document either fully present (all its chunks) or absent; readers keep reading while one writer ingests.
//
// Schema (version 1):
//   documents(id, path UNIQUE, content_hash, size, mtime_ns, ingested_at, chunker, chunk_count)
//     content_hash is 64-bit FNV-1a of the file's bytes as 16 hex digits; chunker is Chunker::describe().
//   chunks(id, document_id, ordinal, text, byte_begin, byte_end, line_begin, line_end, token_count,
//          headings (JSON array), page, prev_id, next_id)
//     ids of one document's chunks are consecutive; prev_id/next_id link neighbours of the same document.
//   chunks_fts: FTS5 over chunks.text (external content, rowid = chunk id, porter + unicode61 tokenizer),
//     kept in step by triggers.
//   schema_version(version)
// Version 2 adds:
//   catalog_info(key, value): 'catalog_id', random hex made when the catalog is created (or migrated), so
//     that files derived from a catalog (the HNSW index) can tell it from another one at the same path.
//   document_tags(document_id, tag), removed with their document.
//   embedding_models(id, fingerprint UNIQUE, path, dimension, generation): one row per embedding model;
//     generation grows with every insert, update or delete of its embeddings (triggers), so an index built
//     at generation g is current exactly while the row still says g.
//   chunk_embeddings(model_id, chunk_id, vector): float32 little-endian, removed with their chunk or model.
// Version 3 drops the insert trigger of chunks_fts: put_document indexes its chunks itself (a trigger makes
//   every chunk a nested statement, and FTS5 flushes a segment at each one). Delete and update triggers stay.
// Version 4 adds catalog_info 'chunks_generation': put_document and remove_documents add one to it whenever
//   they change chunks, so that an index kept outside SQLite (retrieve/bm25_index.h) built at generation g is
//   current exactly while the catalog still says g.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "store/fts5_token_replay.h"
#include "store/sqlite.h"
#include "text/chunk/chunk.h"

namespace chunkwise::store {

inline constexpr int kSchemaVersion = 4;

struct CatalogOptions {
  bool read_only = false;
  int busy_timeout_ms = 10000;  // how long a writer waits for another writer
};

struct DocumentRecord {
  int64_t id = 0;
  std::string path;
  std::string content_hash;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  int64_t ingested_at = 0;  // Unix seconds
  std::string chunker;
  int64_t chunk_count = 0;
};

struct StoredChunk {
  int64_t id = 0;
  int64_t document_id = 0;
  int64_t ordinal = 0;
  std::string text;
  int64_t byte_begin = 0;
  int64_t byte_end = 0;
  int64_t line_begin = 0;  // 1-based lines of the first and last byte
  int64_t line_end = 0;
  int64_t token_count = 0;
  std::vector<std::string> headings;
  int page = 0;
  std::optional<int64_t> prev_id;
  std::optional<int64_t> next_id;
};

// A document to store: `text` is what was chunked (offsets point into it), `chunks` its chunks in order.
struct DocumentInput {
  std::string path;
  std::string content_hash;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string chunker;
  std::string_view text;
  const std::vector<text::Chunk>* chunks = nullptr;
  // Optional: each chunk's full-text tokens, prepared ahead (store/fts5_token_replay.h); one per chunk.
  const std::vector<PreparedTokens>* tokens = nullptr;
};

enum class PutResult { added, replaced, unchanged };

// What an index built from a catalog's chunks is keyed by: the catalog's random identity (catalog_info
// 'catalog_id') and its chunks generation.
struct ChunksVersion {
  std::string catalog_id;
  int64_t generation = 0;
  bool operator==(const ChunksVersion&) const = default;
};

class Catalog {
 public:
  // Opens or creates (unless read_only) the catalog and migrates it to kSchemaVersion. Errors name the path:
  // not_found (missing file or directory), invalid_input (not a SQLite file, corrupt, not a catalog),
  // unsupported (a newer schema), io (permissions, locks).
  explicit Catalog(const std::filesystem::path& path, CatalogOptions options = {});

  // A write transaction (BEGIN IMMEDIATE); rolled back unless committed.
  class Transaction {
   public:
    explicit Transaction(Database& db);
    ~Transaction();
    Transaction(const Transaction&) = delete;
    Transaction& operator=(const Transaction&) = delete;
    void commit();

   private:
    Database* db_;
    bool done_ = false;
  };
  Transaction begin_write() { return Transaction(db_); }

  // True if `path` is stored with this hash and chunker, i.e. storing it again would change nothing.
  bool is_unchanged(std::string_view path, std::string_view content_hash, std::string_view chunker);

  // Adds the document or replaces all of its chunks; inside a transaction from begin_write().
  PutResult put_document(const DocumentInput& document);
  // put_document for each in order, their chunks' full-text tokens prepared on a second thread meanwhile
  // (store/fts5_token_replay.h) unless they come with tokens; the same rows and index as one at a time.
  std::vector<PutResult> put_documents(std::span<const DocumentInput> documents);

  // Removes the document at `path`, or every document under it if it names a directory; returns how many.
  // Opens its own transaction.
  size_t remove_documents(std::string_view path);

  std::optional<DocumentRecord> find_document(std::string_view path);
  std::vector<DocumentRecord> documents();
  std::vector<StoredChunk> chunks_of(int64_t document_id);
  int64_t document_count();
  int64_t chunk_count();
  // catalog_info 'chunks_generation' (see version 4).
  int64_t chunks_generation();
  // The identity and the generation in one statement (a query checks them before each search).
  ChunksVersion chunks_version();

  // SQLite's integrity check plus FTS5's check of the index against the chunks; "ok" when both pass.
  std::string integrity_check();

  Database& database() { return db_; }
  // The write connection's token replay (store/fts5_token_replay.h); nullptr when read-only.
  const TokenReplay* token_replay() const { return replay_; }

 private:
  void migrate(bool read_only);
  void bump_chunks_generation();

  Database db_;
  TokenReplay* replay_ = nullptr;  // owned by db_: prepared tokens for chunks_fts (write connections)
};

// 64-bit FNV-1a of `bytes` as 16 lowercase hex digits.
std::string content_hash(std::string_view bytes);

}  // namespace chunkwise::store
