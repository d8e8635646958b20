#include "store/fts5_token_replay.h"

#include <sqlite3.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <system_error>

#include "common/error.h"

namespace chunkwise::store {

PreparedTokens prepare_tokens(Fts5Tokenizer& tokenizer, std::string_view text) {
  PreparedTokens prepared;
  prepared.terms.reserve(text.size() / 2);
  prepared.tokens.reserve(text.size() / 6);
  tokenizer.tokenize(text, [&](const Fts5Token& token) {
    prepared.tokens.push_back({uint32_t(prepared.terms.size()), uint32_t(token.term.size()),
                               uint32_t(token.begin), uint32_t(token.end), token.colocated});
    prepared.terms.append(token.term);
  });
  return prepared;
}

const PreparedTokens* TokenReplay::tokens_for(std::string_view text) const {
  if (!tokens_ || text.size() != text_.size() ||
      (text.data() != text_.data() && std::memcmp(text.data(), text_.data(), text.size()) != 0))
    return nullptr;
  ++replayed_;
  return tokens_;
}

TokenPreparer::TokenPreparer(std::vector<const std::vector<text::Chunk>*> documents, size_t lookahead)
    : documents_(std::move(documents)),
      prepared_(documents_.size()),
      lookahead_(std::max<size_t>(1, lookahead)) {
  if (std::thread::hardware_concurrency() < 2 || documents_.empty()) {
    failed_ = true;
    return;
  }
  try {
    thread_ = std::thread([this] { run(); });
  } catch (const std::system_error&) {
    failed_ = true;  // no thread: FTS5 tokenizes on the writer
  }
}

TokenPreparer::~TokenPreparer() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void TokenPreparer::run() {
  try {
    Database memory(":memory:", Database::Mode::read_write, 0);
    Fts5Tokenizer tokenizer(memory, kCatalogTokenizer);
    for (size_t i = 0; i < documents_.size(); ++i) {
      {
        std::unique_lock lock(mutex_);
        changed_.wait(lock, [&] { return stop_ || i < consumed_ + lookahead_; });
        if (stop_) return;
      }
      std::vector<PreparedTokens> tokens;
      tokens.reserve(documents_[i]->size());
      for (const text::Chunk& chunk : *documents_[i]) tokens.push_back(prepare_tokens(tokenizer, chunk.text));
      {
        std::lock_guard lock(mutex_);
        prepared_[i] = std::move(tokens);
        ready_ = i + 1;
      }
      changed_.notify_all();
    }
  } catch (const std::exception&) {  // Error from SQLite, bad_alloc: the writer tokenizes from here on
    {
      std::lock_guard lock(mutex_);
      failed_ = true;
    }
    changed_.notify_all();
  }
}

const std::vector<PreparedTokens>* TokenPreparer::tokens(size_t i) {
  if (i >= prepared_.size()) return nullptr;
  std::unique_lock lock(mutex_);
  for (size_t j = consumed_; j < i && j < prepared_.size(); ++j)
    std::vector<PreparedTokens>().swap(prepared_[j]);
  consumed_ = std::max(consumed_, i);
  changed_.notify_all();
  changed_.wait(lock, [&] { return ready_ > i || failed_; });
  return ready_ > i ? &prepared_[i] : nullptr;
}

namespace {

// What a registration keeps: the replay state and SQLite's own porter, found before ours shadowed it.
struct Registration {
  TokenReplay replay;
  fts5_tokenizer builtin{};
  void* builtin_user_data = nullptr;
};

struct Instance {
  Registration* registration = nullptr;
  ::Fts5Tokenizer* porter = nullptr;  // SQLite's porter, created with the same arguments
  bool replays = false;               // created with the catalog's arguments: prepared tokens match
};

// The catalog tokenizer's arguments after "porter".
bool catalog_arguments(const char** args, int count) {
  std::string spec = "porter";
  for (int i = 0; i < count; ++i) {
    spec.push_back(' ');
    spec.append(args[i]);
  }
  return spec == kCatalogTokenizer;
}

int create(void* user_data, const char** args, int count, ::Fts5Tokenizer** out) {
  *out = nullptr;
  auto* registration = static_cast<Registration*>(user_data);
  auto* instance = new (std::nothrow) Instance;
  if (!instance) return SQLITE_NOMEM;
  instance->registration = registration;
  const int rc =
      registration->builtin.xCreate(registration->builtin_user_data, args, count, &instance->porter);
  if (rc != SQLITE_OK) {
    delete instance;
    return rc;
  }
  try {
    instance->replays = catalog_arguments(args, count);
  } catch (const std::bad_alloc&) {
    instance->replays = false;  // SQLite's porter alone still gives the same tokens
  }
  *out = reinterpret_cast<::Fts5Tokenizer*>(instance);
  return SQLITE_OK;
}

void destroy(::Fts5Tokenizer* tokenizer) {
  auto* instance = reinterpret_cast<Instance*>(tokenizer);
  if (instance->porter) instance->registration->builtin.xDelete(instance->porter);
  delete instance;
}

int tokenize(::Fts5Tokenizer* tokenizer, void* context, int flags, const char* text, int size,
             int (*on_token)(void*, int, const char*, int, int, int)) {
  auto* instance = reinterpret_cast<Instance*>(tokenizer);
  const PreparedTokens* prepared =
      instance->replays && flags == FTS5_TOKENIZE_DOCUMENT && size >= 0
          ? instance->registration->replay.tokens_for(std::string_view(text, size_t(size)))
          : nullptr;
  if (!prepared)
    return instance->registration->builtin.xTokenize(instance->porter, context, flags, text, size, on_token);
  for (const PreparedTokens::Token& token : prepared->tokens) {
    const int rc = on_token(context, token.colocated ? FTS5_TOKEN_COLOCATED : 0,
                            prepared->terms.data() + token.term_begin, int(token.term_size), int(token.begin),
                            int(token.end));
    if (rc != SQLITE_OK) return rc;
  }
  return SQLITE_OK;
}

void destroy_registration(void* user_data) {
  delete static_cast<Registration*>(user_data);
}

}  // namespace

TokenReplay* register_token_replay(Database& db) {
  fts5_api* api = fts5_api_of(db);
  auto registration = std::make_unique<Registration>();
  if (api->xFindTokenizer(api, "porter", &registration->builtin_user_data, &registration->builtin) !=
      SQLITE_OK)
    fail(ErrorKind::internal, "{}: FTS5 has no porter tokenizer", db.path());
  fts5_tokenizer methods{create, destroy, tokenize};
  const int rc = api->xCreateTokenizer(api, "porter", registration.get(), &methods, destroy_registration);
  if (rc != SQLITE_OK) db.fail_sqlite(rc, "registering the catalog's token replay");
  return &registration.release()->replay;  // the connection owns it now (destroy_registration)
}

}  // namespace chunkwise::store
