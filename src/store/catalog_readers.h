// Read-only connections to one catalog, kept open between requests: opening a Catalog (SQLite open, schema
// check) costs about as much as a BM25 query (~170 us measured), so a server that answers many queries
// leases an open connection instead. A lease is one thread's at a time; SQLite in WAL mode lets every
// leased connection read while a writer commits, and each read transaction sees the latest commit. A kept
// connection is used only while the path still names the file it opened (device and inode): a catalog
// deleted and created again under the same path is read through a new connection.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "store/catalog.h"

namespace chunkwise::store {

class CatalogReaders {
 public:
  // The file a path names; {0, 0} when it names none.
  struct FileIdentity {
    uint64_t device = 0, inode = 0;
    bool operator==(const FileIdentity&) const = default;
  };

  // Keeps at most `max_idle` connections open while no one holds them. Opens none yet.
  explicit CatalogReaders(std::filesystem::path path, size_t max_idle = 8);

  class Lease {
   public:
    Lease(Lease&& other) noexcept
        : owner_(other.owner_), catalog_(std::move(other.catalog_)), file_(other.file_) {}
    Lease& operator=(Lease&&) = delete;
    ~Lease();
    Catalog& operator*() const { return *catalog_; }
    Catalog* operator->() const { return catalog_.get(); }

   private:
    friend class CatalogReaders;
    Lease(CatalogReaders* owner, std::unique_ptr<Catalog> catalog, FileIdentity file)
        : owner_(owner), catalog_(std::move(catalog)), file_(file) {}
    CatalogReaders* owner_;
    std::unique_ptr<Catalog> catalog_;
    FileIdentity file_;
  };

  // An idle connection, or a new one (errors as Catalog's constructor, read-only). The pool must outlive
  // its leases.
  Lease lease();

  size_t idle() const;

 private:
  void give_back(std::unique_ptr<Catalog> catalog, FileIdentity file);
  FileIdentity identity() const;

  std::filesystem::path path_;
  size_t max_idle_;
  mutable std::mutex mutex_;
  struct Idle {
    std::unique_ptr<Catalog> catalog;
    FileIdentity file;
  };
  std::vector<Idle> idle_;
};

}  // namespace chunkwise::store
