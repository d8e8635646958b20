#include "store/catalog_readers.h"

#include <sys/stat.h>

#include <utility>

namespace chunkwise::store {

CatalogReaders::CatalogReaders(std::filesystem::path path, size_t max_idle)
    : path_(std::move(path)), max_idle_(max_idle) {}

CatalogReaders::FileIdentity CatalogReaders::identity() const {
  struct stat info {};
  if (::stat(path_.c_str(), &info) != 0) return {};
  return {uint64_t(info.st_dev), uint64_t(info.st_ino)};
}

CatalogReaders::Lease CatalogReaders::lease() {
  const FileIdentity file = identity();
  std::vector<Idle> stale;  // connections to a file the path no longer names, closed outside the lock
  {
    std::lock_guard lock(mutex_);
    while (!idle_.empty()) {
      Idle idle = std::move(idle_.back());
      idle_.pop_back();
      if (file != FileIdentity{} && idle.file == file) return Lease(this, std::move(idle.catalog), file);
      stale.push_back(std::move(idle));
    }
  }
  auto catalog = std::make_unique<Catalog>(path_, CatalogOptions{.read_only = true});
  return Lease(this, std::move(catalog), file);
}

size_t CatalogReaders::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void CatalogReaders::give_back(std::unique_ptr<Catalog> catalog, FileIdentity file) {
  // A connection left inside a transaction (a caller's bug) would pin an old snapshot: drop it.
  if (!catalog->database().in_transaction()) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      idle_.push_back({std::move(catalog), file});
      return;
    }
  }
  catalog.reset();  // closed outside the lock
}

CatalogReaders::Lease::~Lease() {
  if (catalog_) owner_->give_back(std::move(catalog_), file_);
}

}  // namespace chunkwise::store
