// Database::cached: one prepared statement kept per SQL text, reset with its bindings cleared after each use,
// a fresh one for a second user of the same text at the same time; bind_static binds without a copy.
#include "store/sqlite.h"

#include <gtest/gtest.h>

#include <string>

#include "support/temp_dir.h"

namespace chunkwise::store {
namespace {

TEST(DatabaseCached, KeepsOneStatementPerTextAndResetsItAfterUse) {
  chunkwise::testing::TempDir dir;
  Database db(dir / "t.db", Database::Mode::read_write, 1000);
  db.exec("CREATE TABLE t(x INTEGER); INSERT INTO t VALUES (1), (2), (3)");
  auto first_row = [&] {
    Statement query = db.cached("SELECT x FROM t WHERE x >= coalesce(?, 2) ORDER BY x");
    query.step();
    return query.column_int(0);
  };
  {
    Statement query = db.cached("SELECT x FROM t WHERE x >= coalesce(?, 2) ORDER BY x");
    query.bind(1, int64_t{3});
    ASSERT_TRUE(query.step());
    EXPECT_EQ(query.column_int(0), 3);
    // The same text while the first is in use (mid-result): a fresh statement, the first one undisturbed.
    EXPECT_EQ(first_row(), 2);
    EXPECT_FALSE(query.step());
  }
  // Released: reset and its binding cleared (NULL, so coalesce gives 2), not stuck at its end.
  EXPECT_EQ(first_row(), 2);
  EXPECT_EQ(first_row(), 2);
  // A kept statement that was left mid-result holds no read snapshot: a write commits and is seen.
  {
    Statement query = db.cached("SELECT count(*) FROM t");
    query.step();
  }
  db.exec("INSERT INTO t VALUES (4)");
  Statement count = db.cached("SELECT count(*) FROM t");
  ASSERT_TRUE(count.step());
  EXPECT_EQ(count.column_int(0), 4);
}

TEST(DatabaseCached, BindStaticStoresTheTextItPointsAt) {
  chunkwise::testing::TempDir dir;
  Database db(dir / "t.db", Database::Mode::read_write, 1000);
  db.exec("CREATE TABLE t(x TEXT)");
  const std::string text = "chunk text, not copied";
  db.cached("INSERT INTO t VALUES (?)").bind_static(1, text).step();
  Statement query = db.prepare("SELECT x FROM t");
  ASSERT_TRUE(query.step());
  EXPECT_EQ(query.column_text(0), text);
}

}  // namespace
}  // namespace chunkwise::store
