// `chunkwise chunk FILE --chunker sentence|structure` end to end on a Markdown file with sections, a table
// and a code block.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/cli_runner.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;
using json = nlohmann::json;

const char* kMarkdown =
    "# Guide\n\nThis guide explains the tool. It is short.\n\n## Table\n\n| option | meaning |\n|---|---|\n"
    "| -v | verbose output for debugging |\n| -q | quiet |\n\n## Code\n\n```sh\nchunkwise chunk FILE\n\n"
    "chunkwise ingest DIR --db x.db\n```\n";

std::vector<json> run_chunker(const std::string& args) {
  const fs::path file =
      fs::temp_directory_path() / ("chunkwise-chunkers-" + std::to_string(getpid()) + ".md");
  std::ofstream(file) << kMarkdown;
  const CliResult result = run_chunkwise("chunk " + file.string() + " " + args);
  fs::remove(file);
  EXPECT_EQ(result.exit_code, 0) << result.err;
  std::vector<json> chunks;
  std::istringstream lines(result.out);
  for (std::string line; std::getline(lines, line);) chunks.push_back(json::parse(line));
  return chunks;
}

TEST(Chunkers, StructureKeepsTheTableAndTheCodeWhole) {
  const auto chunks = run_chunker("--chunker structure --chunk-size 8");
  const std::string text = kMarkdown;
  bool table = false, code = false;
  for (const json& c : chunks) {
    const std::string t = c["text"];
    EXPECT_EQ(t, text.substr(c["begin"].get<size_t>(), c["end"].get<size_t>() - c["begin"].get<size_t>()));
    if (t.find("| option |") != std::string::npos) {
      table = true;
      EXPECT_NE(t.find("| -q | quiet |"), std::string::npos) << "table cut: " << t;
      EXPECT_EQ(c["headings"], json::array({"Guide", "Table"}));
    }
    if (t.find("```sh") != std::string::npos) {
      code = true;
      EXPECT_NE(t.find("--db x.db\n```"), std::string::npos) << "code cut: " << t;
    }
  }
  EXPECT_TRUE(table);
  EXPECT_TRUE(code);
}

TEST(Chunkers, SentenceKeepsSentencesWhole) {
  const auto chunks = run_chunker("--chunker sentence --chunk-size 6 --chunk-overlap 0");
  ASSERT_GE(chunks.size(), 2u);
  EXPECT_EQ(chunks[0]["text"].get<std::string>(), "# Guide");  // a paragraph break ends a sentence
  EXPECT_EQ(chunks[1]["text"].get<std::string>(), "This guide explains the tool.");
}

TEST(Chunkers, UnknownChunkerIsABadArgument) {
  const CliResult result = run_chunkwise("chunk README.md --chunker bogus");
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("bogus"), std::string::npos);
}

}  // namespace
}  // namespace chunkwise::testing
