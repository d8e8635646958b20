#include "store/fts5_tokenizer.h"

#include <sqlite3.h>

#include <algorithm>
#include <memory>
#include <string>

#include "common/error.h"

namespace chunkwise::store {

struct Fts5Tokenizer::Api {
  fts5_tokenizer methods{};
  ::Fts5Tokenizer* instance = nullptr;
};

namespace {

struct CallbackContext {
  void (*callback)(void*, const Fts5Token&);
  void* context;
};

int on_fts5_token(void* context, int flags, const char* token, int size, int begin, int end) {
  const auto* c = static_cast<CallbackContext*>(context);
  c->callback(c->context,
              Fts5Token{std::string_view(token, static_cast<size_t>(size)), static_cast<size_t>(begin),
                        static_cast<size_t>(end), (flags & FTS5_TOKEN_COLOCATED) != 0});
  return SQLITE_OK;
}

}  // namespace

fts5_api* fts5_api_of(Database& db) {
  // The documented way to reach the API: SELECT fts5(?1) with a pointer bound to ?1.
  fts5_api* fts5 = nullptr;
  sqlite3_stmt* raw = nullptr;  // Statement has no pointer binding: nothing else needs one
  if (sqlite3_prepare_v2(db.handle(), "SELECT fts5(?1)", -1, &raw, nullptr) != SQLITE_OK)
    fail(ErrorKind::internal, "{}: SQLite without FTS5", db.path());
  sqlite3_bind_pointer(raw, 1, static_cast<void*>(&fts5), "fts5_api_ptr", nullptr);
  sqlite3_step(raw);
  sqlite3_finalize(raw);
  if (!fts5) fail(ErrorKind::internal, "{}: SQLite without the FTS5 API", db.path());
  return fts5;
}

Fts5Tokenizer::Fts5Tokenizer(Database& db, std::string_view spec) : db_(&db) {
  fts5_api* fts5 = fts5_api_of(db);

  std::vector<std::string> words;
  for (size_t i = 0; i < spec.size();) {
    while (i < spec.size() && spec[i] == ' ') ++i;
    const size_t end = std::min(spec.find(' ', i), spec.size());
    if (end > i) words.emplace_back(spec.substr(i, end - i));
    i = end;
  }
  if (words.empty()) fail(ErrorKind::internal, "empty FTS5 tokenizer spec");
  auto api = std::make_unique<Api>();
  void* user_data = nullptr;
  if (fts5->xFindTokenizer(fts5, words[0].c_str(), &user_data, &api->methods) != SQLITE_OK)
    fail(ErrorKind::internal, "{}: FTS5 has no tokenizer '{}'", db.path(), words[0]);
  std::vector<const char*> arguments;
  for (size_t i = 1; i < words.size(); ++i) arguments.push_back(words[i].c_str());
  if (api->methods.xCreate(user_data, arguments.data(), static_cast<int>(arguments.size()), &api->instance) !=
      SQLITE_OK)
    fail(ErrorKind::internal, "{}: FTS5 tokenizer '{}' rejected its arguments", db.path(), spec);
  api_ = api.release();
}

Fts5Tokenizer::~Fts5Tokenizer() {
  if (api_->instance) api_->methods.xDelete(api_->instance);
  delete api_;
}

void Fts5Tokenizer::tokenize_with(std::string_view text, Callback callback, void* context) {
  CallbackContext c{callback, context};
  const int rc = api_->methods.xTokenize(api_->instance, &c, FTS5_TOKENIZE_DOCUMENT, text.data(),
                                         static_cast<int>(text.size()), on_fts5_token);
  if (rc != SQLITE_OK) db_->fail_sqlite(rc, "FTS5 tokenize");
}

}  // namespace chunkwise::store
