// `chunkwise ask` end to end: ingest a few documents, ask, and check that the retrieved chunks became the
// numbered sources of the prompt, that the answer streams (or comes as JSON with citations and sources), and
// that bad input is one clear error.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "cli/cli_runner.h"
#include "support/temp_dir.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const std::string kModel = std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/llama-gqa/tf5";

class Ask : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::canonical(temp_.path());
    const std::pair<const char*, const char*> docs[] = {
        {"curl.txt", "Package: curl\nSummary: command line tool for transferring data with URL syntax\n"},
        {"rsync.txt", "Package: rsync\nSummary: fast, versatile, remote (and local) file-copying tool\n"},
        {"zstd.txt", "Package: zstd\nSummary: fast lossless compression algorithm\n"},
    };
    for (const auto& [name, text] : docs) std::ofstream(dir_ / name) << text;
    db_ = (dir_ / "catalog.db").string();
    const CliResult ingested = run_chunkwise("ingest " + dir_.string() + " --db " + db_);
    ASSERT_EQ(ingested.exit_code, 0) << ingested.err;
  }

  chunkwise::testing::TempDir temp_{"chunkwise-ask"};  // removed after the members below
  fs::path dir_;
  std::string db_;
};

TEST_F(Ask, JsonHasTheAnswerItsSourcesAndCitations) {
  const CliResult result = run_chunkwise("ask 'Which tool copies files with rsync?' --db " + db_ +
                                         " --model " + kModel + " --top-k 2 --max-tokens 8 --json");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json out = json::parse(result.out);
  EXPECT_EQ(out["question"], "Which tool copies files with rsync?");
  ASSERT_EQ(out["sources"].size(), 2u);
  EXPECT_EQ(out["sources"][0]["path"], (dir_ / "rsync.txt").string());  // the best match is source [1]
  EXPECT_EQ(out["sources"][0]["number"], 1);
  EXPECT_EQ(out["sources"][0]["line_begin"], 1);
  EXPECT_NE(out["sources"][0]["text"].get<std::string>().find("rsync"), std::string::npos);
  EXPECT_EQ(out["usage"]["completion_tokens"], 8);
  // The prompt holds the sources: longer than with none.
  const CliResult none = run_chunkwise("ask 'Which tool copies files with rsync?' --db " + db_ + " --model " +
                                       kModel + " --top-k 2 --max-tokens 8 --json --path '*.md'");
  ASSERT_EQ(none.exit_code, 0) << none.err;
  const json without = json::parse(none.out);
  EXPECT_TRUE(without["sources"].empty());
  EXPECT_NE(none.err.find("no chunk matches"), std::string::npos);
  EXPECT_GT(out["usage"]["prompt_tokens"].get<int>(), without["usage"]["prompt_tokens"].get<int>() + 20);
  for (const auto& n : out["citations"]) {
    EXPECT_GE(n.get<int>(), 1);
    EXPECT_LE(n.get<int>(), 2);
  }
}

TEST_F(Ask, StreamsTheAnswerThenListsTheSources) {
  const CliResult result =
      run_chunkwise("ask 'compression' --db " + db_ + " --model " + kModel + " --top-k 1 --max-tokens 4");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\n\nSources:\n[1]"), std::string::npos) << result.out;
  EXPECT_NE(result.out.find((dir_ / "zstd.txt").string() + ":1-2"), std::string::npos) << result.out;
}

TEST_F(Ask, BadInputIsOneClearError) {
  CliResult r = run_chunkwise("ask '' --db " + db_ + " --model " + kModel);
  EXPECT_EQ(r.exit_code, 2);
  r = run_chunkwise("ask 'q' --db " + (dir_ / "missing.db").string() + " --model " + kModel);
  EXPECT_EQ(r.exit_code, 2) << r.err;
  r = run_chunkwise("ask 'q' --db " + db_ + " --model " + (dir_ / "no-model").string());
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("no-model"), std::string::npos);
  r = run_chunkwise("ask 'q' --db " + db_ + " --model " + kModel + " --select nope");
  EXPECT_EQ(r.exit_code, 2);
  r = run_chunkwise("ask 'q' --db " + db_ + " --model " + kModel + " --max-tokens 100000");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("max-tokens"), std::string::npos);
}

}  // namespace
}  // namespace chunkwise::testing
