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

namespace chunkwise::testing {
namespace {

const std::string kModels = std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/";

TEST(Chunkers, SemanticAndPerplexityRunTheirModels) {
  // The tiny test models have random weights: where they cut means nothing, but the chunks must be whole
  // sentences that slice the source, without overlap.
  const std::string text = kMarkdown;
  for (const std::string& args :
       {"--chunker semantic --model " + kModels + "bert-tiny/tf5 --semantic-percentile 50",
        "--chunker semantic --model " + kModels +
            "bert-tiny/tf5 --semantic-similarity 0.99 --semantic-window 0",
        "--chunker perplexity --model " + kModels + "llama-gqa/tf5 --chunk-size 12"}) {
    const auto chunks = run_chunker(args);
    ASSERT_GE(chunks.size(), 2u) << args;
    size_t previous_end = 0;
    for (const json& c : chunks) {
      const auto begin = c["begin"].get<size_t>(), end = c["end"].get<size_t>();
      EXPECT_EQ(c["text"].get<std::string>(), text.substr(begin, end - begin)) << args;
      EXPECT_GE(begin, previous_end) << args;
      previous_end = end;
    }
  }
}

TEST(Chunkers, ModelChunkersRefuseBadModelsAndSettings) {
  struct Case {
    std::string args;
    std::string message;
  };
  const fs::path file =
      fs::temp_directory_path() / ("chunkwise-chunkers-bad-" + std::to_string(getpid()) + ".md");
  std::ofstream(file) << kMarkdown;
  for (const Case& c : std::vector<Case>{
           {"--chunker semantic", "needs a model directory"},
           {"--chunker perplexity --model /nonexistent/model", "no such model directory"},
           {"--chunker perplexity --model " + kModels + "bert-tiny/tf5", "not a decoder"},
           {"--chunker recursive --model " + kModels + "bert-tiny/tf5", "takes no model"},
           {"--chunker semantic --model " + kModels + "bert-tiny/tf5 --chunk-overlap 3", "no overlap"},
           {"--chunker semantic --model " + kModels + "bert-tiny/tf5 --semantic-percentile 120", "120"},
       }) {
    const CliResult result = run_chunkwise("chunk " + file.string() + " " + c.args);
    EXPECT_EQ(result.exit_code, 2) << c.args << ": " << result.err;
    EXPECT_NE(result.err.find(c.message), std::string::npos) << c.args << ": " << result.err;
  }
  fs::remove(file);
}

TEST(Chunkers, IngestWithThePerplexityChunker) {
  const fs::path dir = fs::temp_directory_path() / ("chunkwise-ppl-ingest-" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "guide.md") << kMarkdown;
  const std::string db = (dir / "c.db").string();
  const std::string base =
      "ingest " + (dir / "guide.md").string() + " --db " + db + " --json --chunker perplexity";
  const CliResult first = run_chunkwise(base + " --chunk-model " + kModels + "llama-gqa/tf5 --chunk-size 12");
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_EQ(json::parse(first.out)["added"], 1);
  EXPECT_GE(json::parse(first.out)["chunks"].get<int>(), 2);
  // Same model and settings: unchanged; another model: the document is chunked again.
  const CliResult again = run_chunkwise(base + " --chunk-model " + kModels + "llama-gqa/tf5 --chunk-size 12");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["unchanged"], 1);
  const CliResult other =
      run_chunkwise(base + " --chunk-model " + kModels + "llama-tied/tf5 --chunk-size 12");
  ASSERT_EQ(other.exit_code, 0) << other.err;
  EXPECT_EQ(json::parse(other.out)["replaced"], 1);
  const CliResult search = run_chunkwise("search guide --db " + db + " --json");
  EXPECT_EQ(search.exit_code, 0) << search.err;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace chunkwise::testing
