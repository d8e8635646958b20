// CatalogReaders: leases reuse idle connections, concurrent leases get distinct ones, a kept connection sees
// later commits, a catalog created again under the path is not read through the old file, at most max_idle
// stay open, a connection returned inside a transaction is dropped, and a missing catalog fails the lease
// with the catalog's error.
#include "store/catalog_readers.h"

#include <gtest/gtest.h>

#include <thread>

#include "common/error.h"
#include "put_text.h"
#include "support/expect_error.h"
#include "support/temp_dir.h"

namespace chunkwise::store {
namespace {

class CatalogReadersTest : public ::testing::Test {
 protected:
  void SetUp() override { const Catalog created(dir_ / "c.db"); }  // the readers open it read-only

  void put(const std::string& path, const std::string& text) {
    Catalog writer(dir_ / "c.db");
    put_text(writer, path, text);
  }

  chunkwise::testing::TempDir dir_{"chunkwise-readers"};
};

TEST_F(CatalogReadersTest, ReusesAnIdleConnection) {
  CatalogReaders readers(dir_ / "c.db");
  EXPECT_EQ(readers.idle(), 0u);
  const Catalog* first = nullptr;
  {
    const CatalogReaders::Lease lease = readers.lease();
    first = &*lease;
    EXPECT_EQ(readers.idle(), 0u);
  }
  EXPECT_EQ(readers.idle(), 1u);
  const CatalogReaders::Lease again = readers.lease();
  EXPECT_EQ(&*again, first);
  EXPECT_EQ(readers.idle(), 0u);
}

TEST_F(CatalogReadersTest, ConcurrentLeasesGetDistinctConnections) {
  CatalogReaders readers(dir_ / "c.db");
  const CatalogReaders::Lease a = readers.lease();
  const CatalogReaders::Lease b = readers.lease();
  EXPECT_NE(&*a, &*b);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) EXPECT_EQ(readers.lease()->document_count(), 0);
    });
  for (std::thread& thread : threads) thread.join();
  EXPECT_LE(readers.idle(), 4u);
  EXPECT_GE(readers.idle(), 1u);
}

TEST_F(CatalogReadersTest, KeptConnectionSeesLaterCommits) {
  CatalogReaders readers(dir_ / "c.db");
  EXPECT_EQ(readers.lease()->document_count(), 0);
  put("/a.txt", "one two three");
  EXPECT_EQ(readers.lease()->document_count(), 1);
  put("/b.txt", "four five");
  const CatalogReaders::Lease lease = readers.lease();
  EXPECT_EQ(lease->document_count(), 2);
  EXPECT_EQ(lease->chunk_count(), 3);
}

TEST_F(CatalogReadersTest, KeepsAtMostMaxIdle) {
  CatalogReaders readers(dir_ / "c.db", 2);
  {
    std::vector<CatalogReaders::Lease> leases;
    for (int i = 0; i < 5; ++i) leases.push_back(readers.lease());
  }
  EXPECT_EQ(readers.idle(), 2u);
}

TEST_F(CatalogReadersTest, DropsAConnectionLeftInATransaction) {
  CatalogReaders readers(dir_ / "c.db");
  {
    const CatalogReaders::Lease lease = readers.lease();
    lease->database().exec("BEGIN");
    EXPECT_TRUE(lease->database().in_transaction());
  }
  EXPECT_EQ(readers.idle(), 0u);
}

TEST_F(CatalogReadersTest, ACatalogCreatedAgainUnderThePathGetsANewConnection) {
  CatalogReaders readers(dir_ / "c.db");
  EXPECT_EQ(readers.lease()->document_count(), 0);
  EXPECT_EQ(readers.idle(), 1u);
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(dir_ / ("c.db" + std::string(suffix)));
  put("/a.txt", "one two three");  // a new catalog file at the same path
  const CatalogReaders::Lease lease = readers.lease();
  EXPECT_EQ(lease->document_count(), 1);
  EXPECT_EQ(readers.idle(), 0u);  // the old connection was closed
}

TEST_F(CatalogReadersTest, MissingCatalogFailsTheLease) {
  CatalogReaders readers(dir_ / "missing.db");
  chunkwise::testing::expect_error([&] { (void)readers.lease(); }, ErrorKind::not_found, "missing.db");
  EXPECT_EQ(readers.idle(), 0u);
}

}  // namespace
}  // namespace chunkwise::store
