#include "store/catalog_readers.h"

#include <utility>

namespace chunkwise::store {

CatalogReaders::CatalogReaders(std::filesystem::path path, size_t max_idle)
    : path_(std::move(path)), max_idle_(max_idle) {}

CatalogReaders::Lease CatalogReaders::lease() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      std::unique_ptr<Catalog> catalog = std::move(idle_.back());
      idle_.pop_back();
      return Lease(this, std::move(catalog));
    }
  }
  return Lease(this, std::make_unique<Catalog>(path_, CatalogOptions{.read_only = true}));
}

size_t CatalogReaders::idle() const {
  std::lock_guard lock(mutex_);
  return idle_.size();
}

void CatalogReaders::give_back(std::unique_ptr<Catalog> catalog) {
  // A connection left inside a transaction (a caller's bug) would pin an old snapshot: drop it.
  if (!catalog->database().in_transaction()) {
    std::lock_guard lock(mutex_);
    if (idle_.size() < max_idle_) {
      idle_.push_back(std::move(catalog));
      return;
    }
  }
  catalog.reset();  // closed outside the lock
}

CatalogReaders::Lease::~Lease() {
  if (catalog_) owner_->give_back(std::move(catalog_));
}

}  // namespace chunkwise::store
