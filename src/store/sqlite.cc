#include "store/sqlite.h"

#include <sqlite3.h>

#include "common/error.h"

namespace chunkwise::store {

namespace {

ErrorKind kind_of(int rc) {
  switch (rc & 0xFF) {
    case SQLITE_NOTADB:
    case SQLITE_CORRUPT:
    case SQLITE_FORMAT:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
    case SQLITE_TOOBIG:
      return ErrorKind::invalid_input;
    case SQLITE_NOTFOUND:
      return ErrorKind::not_found;
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_AUTH:
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_NOLFS:
    case SQLITE_NOMEM:
    case SQLITE_PROTOCOL:
      return ErrorKind::io;
    default:
      return ErrorKind::internal;
  }
}

// What failed, for the message: the statement's text only where it points at a bug in chunkwise.
std::string describe_failure(int rc, std::string_view sql) {
  switch (kind_of(rc)) {
    case ErrorKind::internal:
      return fmt::format("in '{}'", sql.substr(0, 80));
    case ErrorKind::invalid_input:
      return "not a usable SQLite database";
    default:
      return "query failed";
  }
}

}  // namespace

Database::Database(const std::filesystem::path& path, Mode mode, int busy_timeout_ms) : path_(path.string()) {
  std::error_code ec;
  const std::filesystem::path parent = path.has_parent_path() ? path.parent_path() : ".";
  if (!std::filesystem::is_directory(parent, ec))
    fail(ErrorKind::not_found, "{}: directory does not exist", path_);
  if (std::filesystem::is_directory(path, ec)) fail(ErrorKind::invalid_input, "{}: is a directory", path_);
  if (mode == Mode::read_only && !std::filesystem::exists(path, ec))
    fail(ErrorKind::not_found, "{}: no such database", path_);
  const int flags =
      (mode == Mode::read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
      SQLITE_OPEN_NOMUTEX;
  const int rc = sqlite3_open_v2(path_.c_str(), &db_, flags, nullptr);
  if (rc != SQLITE_OK) {
    const std::string message = db_ ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
    sqlite3_close(db_);
    db_ = nullptr;
    throw Error(kind_of(rc), fmt::format("{}: cannot open database: {}", path_, message));
  }
  sqlite3_extended_result_codes(db_, 1);
  sqlite3_busy_timeout(db_, busy_timeout_ms);
}

Database::~Database() {
  for (auto& [sql, kept] : kept_) sqlite3_finalize(kept.stmt);
  sqlite3_close_v2(db_);
}

void Database::fail_sqlite(int rc, std::string_view what) const {
  const char* message = db_ && sqlite3_errcode(db_) == rc ? sqlite3_errmsg(db_) : sqlite3_errstr(rc);
  throw Error(kind_of(rc), fmt::format("{}: {}: {}", path_, what, message));
}

void Database::exec(const char* sql) {
  const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(rc, describe_failure(rc, sql));
}

Statement Database::prepare(std::string_view sql) {
  sqlite3_stmt* stmt = nullptr;
  const int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
  if (rc != SQLITE_OK) fail_sqlite(rc, describe_failure(rc, sql));
  return Statement(*this, stmt);
}

Statement Database::cached(std::string_view sql) {
  auto found = kept_.find(sql);
  if (found == kept_.end()) {
    Statement fresh = prepare(sql);
    found = kept_.emplace(std::string(sql), Kept{fresh.stmt_, false}).first;
    fresh.stmt_ = nullptr;
  }
  if (found->second.in_use) return prepare(sql);
  found->second.in_use = true;
  Statement statement(*this, found->second.stmt);
  statement.kept_in_use_ = &found->second.in_use;
  return statement;
}

int64_t Database::last_insert_rowid() const {
  return sqlite3_last_insert_rowid(db_);
}
int64_t Database::changes() const {
  return sqlite3_changes64(db_);
}
bool Database::in_transaction() const {
  return sqlite3_get_autocommit(db_) == 0;
}

Statement::~Statement() {
  if (!kept_in_use_) {
    sqlite3_finalize(stmt_);
    return;
  }
  sqlite3_reset(stmt_);
  sqlite3_clear_bindings(stmt_);
  *kept_in_use_ = false;
}

Statement& Statement::bind(int index, int64_t value) {
  if (const int rc = sqlite3_bind_int64(stmt_, index, value); rc != SQLITE_OK) db_->fail_sqlite(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_->fail_sqlite(rc, "bind");
  return *this;
}

Statement& Statement::bind_static(int index, std::string_view value) {
  const int rc = sqlite3_bind_text64(stmt_, index, value.data(), value.size(), SQLITE_STATIC, SQLITE_UTF8);
  if (rc != SQLITE_OK) db_->fail_sqlite(rc, "bind");
  return *this;
}

Statement& Statement::bind(int index, std::optional<int64_t> value) {
  return value ? bind(index, *value) : bind_null(index);
}

Statement& Statement::bind(int index, double value) {
  if (const int rc = sqlite3_bind_double(stmt_, index, value); rc != SQLITE_OK) db_->fail_sqlite(rc, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::span<const std::byte> value) {
  const int rc = sqlite3_bind_blob64(stmt_, index, value.data(), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK) db_->fail_sqlite(rc, "bind");
  return *this;
}

Statement& Statement::bind_null(int index) {
  if (const int rc = sqlite3_bind_null(stmt_, index); rc != SQLITE_OK) db_->fail_sqlite(rc, "bind");
  return *this;
}

bool Statement::step() {
  const int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  const std::string sql = sqlite3_sql(stmt_);
  sqlite3_reset(stmt_);
  db_->fail_sqlite(rc, describe_failure(rc, sql));
}

void Statement::reset() {
  sqlite3_reset(stmt_);
}

int64_t Statement::column_int(int index) const {
  return sqlite3_column_int64(stmt_, index);
}
double Statement::column_double(int index) const {
  return sqlite3_column_double(stmt_, index);
}
bool Statement::column_is_null(int index) const {
  return sqlite3_column_type(stmt_, index) == SQLITE_NULL;
}

std::span<const std::byte> Statement::column_blob(int index) const {
  const auto* data = static_cast<const std::byte*>(sqlite3_column_blob(stmt_, index));
  return data ? std::span<const std::byte>(data, static_cast<size_t>(sqlite3_column_bytes(stmt_, index)))
              : std::span<const std::byte>();
}

std::string Statement::column_text(int index) const {
  const auto* text = reinterpret_cast<const char*>(sqlite3_column_text(stmt_, index));
  return text ? std::string(text, static_cast<size_t>(sqlite3_column_bytes(stmt_, index))) : std::string();
}

ReadTransaction::ReadTransaction(Database& db) : db_(&db) {
  if (db_->in_transaction()) return;  // already inside one: it gives the snapshot
  db_->exec("BEGIN");
  open_ = true;
}

ReadTransaction::~ReadTransaction() {
  try {
    end();
  } catch (const Error&) {
    // A read transaction has nothing to lose; SQLite ends it when the connection closes.
  }
}

void ReadTransaction::end() {
  if (!open_) return;
  open_ = false;
  db_->exec("COMMIT");
}

}  // namespace chunkwise::store
