// End-to-end: `chunkwise ingest`, `search`, `rm` and `chunk` as a user runs them on a temporary directory of
// Markdown, text, binary and empty files: summaries, the expected chunk first, unchanged and replaced files,
// removal, and one-line errors with exit code 2 for bad input.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli_runner.h"
#include "support/temp_dir.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class IngestCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::canonical(temp_.path());
    docs_ = dir_ / "docs";
    fs::create_directory(docs_);
    write(docs_ / "guide.md",
          "# Guide\n\nIntro text about the tool.\n\n## Installing\n\nRun the zanzibar installer, then "
          "restart.\n\n"
          "## Usage\n\nType a query and read the answers.\n");
    write(docs_ / "notes.txt", "Meeting notes.\nThe budget was discussed.\nNothing about islands.\n");
    write(docs_ / "blob.bin", std::string("\x7f"
                                          "ELF\x02\x01\x01\0\0\0\0\0\0\0\0\0",
                                          16));
    write(docs_ / "empty.txt", "");
    db_ = (dir_ / "catalog.db").string();
  }

  CliResult ingest(const std::string& extra = "") {
    return run_chunkwise("ingest '" + docs_.string() + "' --db '" + db_ + "' --json " + extra);
  }

  static nlohmann::json json(const CliResult& r) {
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception& e) {
      ADD_FAILURE() << "not JSON: " << r.out << " / " << r.err;
      return {};
    }
  }

  static void expect_one_line_error(const CliResult& r, int code, const std::string& fragment) {
    EXPECT_EQ(r.exit_code, code) << r.err;
    EXPECT_THAT(r.err, ::testing::HasSubstr(fragment));
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line: " << r.err;
  }

  chunkwise::testing::TempDir temp_{"chunkwise-ingest-cli"};  // removed after the members below
  fs::path dir_, docs_;
  std::string db_;
};

TEST_F(IngestCli, IngestSearchReingestReplaceRemove) {
  const CliResult first = ingest();
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const nlohmann::json summary = json(first);
  EXPECT_EQ(summary["ingested"], 2);
  EXPECT_EQ(summary["added"], 2);
  EXPECT_EQ(summary["skipped"], 2);  // binary and empty
  EXPECT_EQ(summary["failed"], 0);
  EXPECT_GE(summary["chunks"].get<int>(), 2);
  EXPECT_THAT(first.err, ::testing::HasSubstr("blob.bin: skipped: binary file"));
  EXPECT_THAT(first.err, ::testing::HasSubstr("empty.txt: skipped: empty file"));

  const CliResult found = run_chunkwise("search 'zanzibar installer' --db '" + db_ + "' --json");
  ASSERT_EQ(found.exit_code, 0) << found.err;
  const nlohmann::json results = json(found)["results"];
  ASSERT_FALSE(results.empty());
  EXPECT_EQ(results[0]["path"], (docs_ / "guide.md").string());
  EXPECT_EQ(results[0]["rank"], 1);
  EXPECT_GT(results[0]["score"].get<double>(), 0);
  EXPECT_THAT(results[0]["text"].get<std::string>(), ::testing::HasSubstr("zanzibar"));
  EXPECT_EQ(results[0]["line_begin"], 1);

  const CliResult readable = run_chunkwise("search zanzibar --db '" + db_ + "'");
  ASSERT_EQ(readable.exit_code, 0) << readable.err;
  EXPECT_THAT(readable.out, ::testing::HasSubstr("rank"));
  EXPECT_THAT(readable.out, ::testing::HasSubstr("guide.md:1-"));
  EXPECT_THAT(readable.out, ::testing::HasSubstr("zanzibar"));

  // Small chunks: the matching chunk carries its headings path and its own lines.
  const CliResult small = ingest("--chunk-size 60 --chunk-overlap 0");
  ASSERT_EQ(small.exit_code, 0) << small.err;
  EXPECT_EQ(json(small)["replaced"], 2);
  const nlohmann::json hit = json(run_chunkwise("search zanzibar --db '" + db_ + "' --json"))["results"][0];
  EXPECT_EQ(hit["headings"], nlohmann::json({"Guide", "Installing"}));
  EXPECT_EQ(hit["line_begin"], 7);

  const CliResult again = ingest("--chunk-size 60 --chunk-overlap 0");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json(again)["unchanged"], 2);
  EXPECT_EQ(json(again)["ingested"], 0);

  write(docs_ / "notes.txt", "Meeting notes.\nWe will visit zanzibar zanzibar zanzibar.\n");
  const CliResult changed = ingest("--chunk-size 60 --chunk-overlap 0");
  EXPECT_EQ(json(changed)["replaced"], 1);
  EXPECT_EQ(json(changed)["unchanged"], 1);
  const nlohmann::json after = json(run_chunkwise("search zanzibar --db '" + db_ + "' --json"))["results"];
  ASSERT_EQ(after.size(), 2u);
  EXPECT_EQ(after[0]["path"], (docs_ / "notes.txt").string());

  const CliResult removed = run_chunkwise("rm '" + (docs_ / "notes.txt").string() + "' --db '" + db_ + "'");
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_THAT(removed.out, ::testing::HasSubstr("removed 1 document"));
  const nlohmann::json gone = json(run_chunkwise("search zanzibar --db '" + db_ + "' --json"))["results"];
  ASSERT_EQ(gone.size(), 1u);
  EXPECT_EQ(gone[0]["path"], (docs_ / "guide.md").string());
  expect_one_line_error(run_chunkwise("rm '" + (docs_ / "notes.txt").string() + "' --db '" + db_ + "'"), 2,
                        "not in the catalog");

  const CliResult all = run_chunkwise("rm '" + docs_.string() + "' --db '" + db_ + "'");
  EXPECT_THAT(all.out, ::testing::HasSubstr("removed 1 document"));
  EXPECT_THAT(run_chunkwise("search zanzibar --db '" + db_ + "'").out, ::testing::HasSubstr("no matches"));
}

TEST_F(IngestCli, TopKAndBudget) {
  for (int i = 0; i < 5; ++i)
    write(docs_ / fmt::format("n{}.txt", i), fmt::format("common word {}", std::string(i + 1, 'x')));
  ASSERT_EQ(ingest().exit_code, 0);
  EXPECT_EQ(json(run_chunkwise("search common --db '" + db_ + "' --json"))["results"].size(), 5u);
  EXPECT_EQ(json(run_chunkwise("search common --db '" + db_ + "' --json --top-k 2"))["results"].size(), 2u);
  EXPECT_EQ(json(run_chunkwise("search common --db '" + db_ + "' --json --budget 6"))["results"].size(), 2u);
}

TEST_F(IngestCli, FailuresAndBadInput) {
  const CliResult missing =
      run_chunkwise("ingest '" + docs_.string() + "' /no/such/path --db '" + db_ + "' --json");
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_EQ(json(missing)["failed"], 1);
  EXPECT_EQ(json(missing)["ingested"], 2);

  expect_one_line_error(run_chunkwise("search x --db /no/such/dir/c.db"), 2, "/no/such/dir/c.db");
  expect_one_line_error(run_chunkwise("ingest '" + docs_.string() + "' --db /no/such/dir/c.db"), 2,
                        "/no/such/dir/c.db");
  expect_one_line_error(run_chunkwise("search x --db '" + (dir_ / "absent.db").string() + "'"), 2,
                        "absent.db");
  expect_one_line_error(run_chunkwise("search x --db '" + (docs_ / "notes.txt").string() + "'"), 2,
                        "notes.txt");
  expect_one_line_error(run_chunkwise("search '  ' --db '" + db_ + "'"), 2, "empty search query");
  expect_one_line_error(run_chunkwise("ingest '" + docs_.string() + "' --db '" + db_ + "' --chunker nope"), 2,
                        "unknown chunker");
  expect_one_line_error(
      run_chunkwise("ingest '" + docs_.string() + "' --db '" + db_ + "' --chunk-size 10 --chunk-overlap 10"),
      2, "overlap");
  EXPECT_EQ(run_chunkwise("search --db '" + db_ + "'").exit_code, 2);
  EXPECT_EQ(run_chunkwise("ingest --db '" + db_ + "'").exit_code, 2);
}

TEST_F(IngestCli, ChunkPrintsJsonLines) {
  const fs::path file = docs_ / "guide.md";
  std::ifstream in(file, std::ios::binary);
  const std::string source((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  for (const char* args :
       {"--chunker token --chunk-size 4 --chunk-overlap 1", "--chunker recursive --chunk-size 40", ""}) {
    const CliResult r = run_chunkwise("chunk '" + file.string() + "' " + args);
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::istringstream lines(r.out);
    size_t count = 0;
    for (std::string line; std::getline(lines, line); ++count) {
      const nlohmann::json chunk = nlohmann::json::parse(line);
      const size_t begin = chunk["begin"], end = chunk["end"];
      EXPECT_EQ(chunk["text"], source.substr(begin, end - begin));
      EXPECT_EQ(chunk["index"], count);
      EXPECT_TRUE(chunk["headings"].is_array());
      EXPECT_GT(chunk["token_count"].get<int>(), 0);
    }
    EXPECT_GT(count, 0u) << args;
  }
  expect_one_line_error(run_chunkwise("chunk '" + (docs_ / "blob.bin").string() + "'"), 2, "binary file");
  expect_one_line_error(run_chunkwise("chunk /no/such/file.txt"), 2, "/no/such/file.txt");
  EXPECT_EQ(run_chunkwise("chunk '" + (docs_ / "empty.txt").string() + "'").out, "");
}

TEST(IngestCliHelp, EveryCommandHasHelp) {
  for (const char* command : {"ingest", "search", "rm", "chunk"}) {
    const CliResult r = run_chunkwise(std::string(command) + " --help");
    EXPECT_EQ(r.exit_code, 0) << command;
    EXPECT_THAT(r.out, ::testing::HasSubstr(command == std::string("chunk") ? "--chunker" : "--db"))
        << command;
  }
}

}  // namespace
}  // namespace chunkwise::testing
