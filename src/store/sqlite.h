// A thin RAII layer over the SQLite C API: a connection and prepared statements whose every failure becomes a
// chunkwise::Error naming the database file. Not a general wrapper: only what the catalog and retrieval use.
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

struct sqlite3;
struct sqlite3_stmt;

namespace chunkwise::store {

class Statement;

class Database {
 public:
  enum class Mode { read_write, read_only };

  // Opens (read_write: creates) the file; throws Error(not_found) if it or its directory is missing.
  Database(const std::filesystem::path& path, Mode mode, int busy_timeout_ms);
  ~Database();
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;

  void exec(const char* sql);
  Statement prepare(std::string_view sql);
  // The same, prepared once per connection and kept for the next call: the Statement returned resets it and
  // clears its bindings when it goes out of scope instead of finalizing it. For statements run per document;
  // while one is in use, another call with the same text gets a fresh statement.
  Statement cached(std::string_view sql);
  int64_t last_insert_rowid() const;
  int64_t changes() const;
  bool in_transaction() const;
  const std::string& path() const { return path_; }
  // The connection, for the FTS5 extension API (store/fts5_tokenizer.h) and nothing else.
  sqlite3* handle() const { return db_; }

  // Throws the Error for SQLite result code `rc` while doing `what`, with the path and SQLite's message.
  [[noreturn]] void fail_sqlite(int rc, std::string_view what) const;

 private:
  struct Kept {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  sqlite3* db_ = nullptr;
  std::string path_;
  std::map<std::string, Kept, std::less<>> kept_;
};

class Statement {
 public:
  Statement(Database& db, sqlite3_stmt* stmt) : db_(&db), stmt_(stmt) {}
  ~Statement();
  Statement(Statement&& other) noexcept
      : db_(other.db_), stmt_(other.stmt_), kept_in_use_(other.kept_in_use_) {
    other.stmt_ = nullptr;
    other.kept_in_use_ = nullptr;
  }
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;

  // Parameters are 1-based, as in SQLite.
  Statement& bind(int index, int64_t value);
  Statement& bind(int index, std::string_view value);
  // Binds the text without copying it: it must stay alive and unchanged until the statement is reset.
  Statement& bind_static(int index, std::string_view value);
  Statement& bind(int index, std::optional<int64_t> value);
  Statement& bind(int index, double value);
  Statement& bind_blob(int index, std::span<const std::byte> value);
  Statement& bind_null(int index);

  bool step();   // true: a row is ready; false: done
  void reset();  // ready to run again (bindings kept)

  int64_t column_int(int index) const;
  double column_double(int index) const;
  std::string column_text(int index) const;
  std::span<const std::byte> column_blob(int index) const;  // valid until the next step() or reset()
  bool column_is_null(int index) const;

 private:
  friend class Database;
  Database* db_;
  sqlite3_stmt* stmt_;
  bool* kept_in_use_ = nullptr;  // a Database::cached statement: reset, not finalized
};

// A read transaction (BEGIN DEFERRED): every statement until it ends sees one snapshot of the database, so
// that what several queries read belongs together. Ended (COMMIT) by end() or the destructor.
class ReadTransaction {
 public:
  explicit ReadTransaction(Database& db);
  ~ReadTransaction();
  ReadTransaction(const ReadTransaction&) = delete;
  ReadTransaction& operator=(const ReadTransaction&) = delete;
  void end();

 private:
  Database* db_;
  bool open_ = false;
};

}  // namespace chunkwise::store
