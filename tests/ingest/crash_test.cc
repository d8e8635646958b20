// Crash safety: `chunkwise ingest` in a child process is killed with SIGKILL at (seeded) random moments, with
// files changing between rounds. After every kill the catalog opens, passes SQLite's and FTS5's integrity
// checks, and every document in it has exactly the chunks that chunking its stored version gives.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <thread>

#include "ingest/ingester.h"
#include "store/catalog.h"
#include "support/temp_dir.h"

namespace chunkwise::ingest {
namespace {

namespace fs = std::filesystem;

constexpr int kFiles = 600;

class CrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::canonical(temp_.path());
    fs::create_directory(dir_ / "docs");
  }

  // Writes file `i` in version `version`; remembers every version's text by its hash.
  void write_file(int i, int version) {
    std::mt19937 rng(static_cast<unsigned>(i * 1000 + version));
    std::string text = fmt::format("# File {} version {}\n", i, version);
    const int words = 200 + static_cast<int>(rng() % 1500);
    for (int w = 0; w < words; ++w) {
      text += fmt::format("w{}", rng() % 5000);
      text += rng() % 12 == 0 ? "\n\n" : rng() % 9 == 0 ? "\n" : " ";
      if (rng() % 300 == 0) text += fmt::format("\n## Section {}\n", w);
    }
    const fs::path path = dir_ / "docs" / fmt::format("f{}{}", i, i % 2 ? ".md" : ".txt");
    std::ofstream(path, std::ios::binary) << text;
    versions_[store::content_hash(text)] = text;
  }

  // Runs `chunkwise ingest` and kills it after `delay` (never, if negative); returns the elapsed seconds.
  double run_ingest(std::chrono::milliseconds delay) {
    const auto start = std::chrono::steady_clock::now();
    std::fflush(stdout);  // or the child writes our buffered output again
    const pid_t pid = fork();
    if (pid == 0) {
      std::freopen("/dev/null", "w", stdout);
      std::freopen("/dev/null", "w", stderr);
      execl(CHUNKWISE_BINARY, CHUNKWISE_BINARY, "ingest", (dir_ / "docs").c_str(), "--db", db().c_str(),
            "--chunk-size", "300", static_cast<char*>(nullptr));
      _exit(127);
    }
    if (delay.count() >= 0) {
      std::this_thread::sleep_for(delay);
      kill(pid, SIGKILL);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (delay.count() < 0) {
      EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << status;
    }
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  }

  // The catalog is sound and every stored document is whole. Returns the number of documents.
  int64_t check_catalog() {
    store::Catalog catalog(db());
    EXPECT_EQ(catalog.integrity_check(), "ok");
    const auto chunker = text::make_chunker({"recursive", 300, 0, false});
    for (const store::DocumentRecord& document : catalog.documents()) {
      const auto version = versions_.find(document.content_hash);
      if (version == versions_.end()) {
        ADD_FAILURE() << document.path << ": unknown content hash";
        continue;
      }
      const auto expected = chunk_text(*chunker, extract_document(format_of(document.path), version->second));
      const auto stored = catalog.chunks_of(document.id);
      EXPECT_EQ(document.chunk_count, static_cast<int64_t>(expected.size())) << document.path;
      if (stored.size() != expected.size()) {
        ADD_FAILURE() << document.path << ": " << stored.size() << " chunks stored, " << expected.size()
                      << " expected";
        continue;
      }
      for (size_t i = 0; i < stored.size(); ++i) EXPECT_EQ(stored[i].text, expected[i].text);
    }
    return catalog.document_count();
  }

  fs::path db() const { return dir_ / "catalog.db"; }

  chunkwise::testing::TempDir temp_{"chunkwise-crash"};  // removed after the members below
  fs::path dir_;
  std::map<std::string, std::string> versions_;
};

TEST_F(CrashTest, KilledIngestLeavesWholeDocuments) {
  for (int i = 0; i < kFiles; ++i) write_file(i, 0);
  // How long a whole ingest takes here (sanitizers, load), to place the kills inside it.
  const double full = run_ingest(std::chrono::milliseconds(-1));
  EXPECT_EQ(check_catalog(), kFiles);
  fs::remove(db());
  fs::remove(dir_ / "catalog.db-wal");
  fs::remove(dir_ / "catalog.db-shm");

  std::mt19937 rng(20240531);
  int64_t documents = 0;
  for (int round = 1; round <= 6; ++round) {
    // Change some files so later rounds replace documents as well as add them.
    for (int i = 0; i < kFiles; i += 1 + static_cast<int>(rng() % 7)) write_file(i, round);
    const auto delay =
        std::chrono::milliseconds(static_cast<int64_t>(full * 1000 * (0.05 + 0.9 * (rng() % 1000) / 1000.0)));
    run_ingest(delay);
    documents = check_catalog();
    SCOPED_TRACE(fmt::format("round {}", round));
    EXPECT_LE(documents, kFiles);
    std::printf("round %d: killed after %lld ms of ~%.0f: %lld documents whole\n", round,
                static_cast<long long>(delay.count()), full * 1000, static_cast<long long>(documents));
  }
  run_ingest(std::chrono::milliseconds(-1));
  EXPECT_EQ(check_catalog(), kFiles);
}

}  // namespace
}  // namespace chunkwise::ingest
