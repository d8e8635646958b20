// End-to-end: dense and hybrid search with the engine's own embeddings (a tiny BERT), the persisted vector
// index (saved once, reused, replaced when the catalog changes, never returning removed chunks), metadata
// filters, every selector under a token budget, and one-line errors for bad options.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <string>

#include "cli_runner.h"
#include "support/temp_dir.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;

const std::string kBert = std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/bert-tiny/tf5";
const std::string kQwen = std::string(CHUNKWISE_TEST_DATA) + "/models/tiny-models/qwen3-embedder/tf5";

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

class SearchModes : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::canonical(temp_.path());
    write(dir_ / "a/alpha.txt",
          "zanzibar installer runs first and then you restart the machine twice before the alpha notes end "
          "with a long list of steps that nobody reads");
    write(dir_ / "a/beta.md",
          "# Beta\n\nnetwork bridges and routing tables for the cluster nodes in the lab");
    write(dir_ / "b/gamma.txt", "cooking recipes with garlic and onions for a quick dinner tonight");
    write(dir_ / "b/delta.txt", "zanzibar spice markets sell cloves and garlic every single morning");
    db_ = (dir_ / "c.db").string();
  }

  // Ingests a/ and b/ in chunks of 8 words; with the tiny BERT unless `embed` is false.
  void ingest(bool embed = true) {
    for (const char* sub : {"a", "b"}) {
      const CliResult r = run_chunkwise(
          fmt::format("ingest '{}' --db '{}' --chunker token --chunk-size 8 --chunk-overlap 0 --tag {} {}",
                      (dir_ / sub).string(), db_, sub == std::string("a") ? "first" : "second",
                      embed ? "--embed-model '" + kBert + "'" : std::string()));
      ASSERT_EQ(r.exit_code, 0) << r.err;
      if (embed) {
        EXPECT_THAT(r.err, ::testing::HasSubstr("vector index:"));
      }
    }
  }

  nlohmann::json search(const std::string& args) {
    const CliResult r = run_chunkwise(fmt::format("search {} --db '{}' --json", args, db_));
    EXPECT_EQ(r.exit_code, 0) << r.err;
    try {
      return nlohmann::json::parse(r.out);
    } catch (const std::exception&) {
      ADD_FAILURE() << "not JSON: " << r.out << " / " << r.err;
      return nlohmann::json{{"results", nlohmann::json::array()}};
    }
  }

  // The first BM25 hit for `word`.
  nlohmann::json chunk_with(const std::string& word) {
    const nlohmann::json results = search(word)["results"];
    EXPECT_FALSE(results.empty()) << word;
    return results.empty() ? nlohmann::json::object() : results[0];
  }

  std::set<std::string> index_files() {
    std::set<std::string> names;
    for (const auto& entry : fs::directory_iterator(dir_))
      if (entry.path().filename().string().starts_with("c.db.m"))
        names.insert(entry.path().filename().string());
    return names;
  }

  static std::set<std::string> paths(const nlohmann::json& results) {
    std::set<std::string> out;
    for (const auto& r : results) out.insert(r["path"].get<std::string>());
    return out;
  }

  static void expect_one_line_error(const CliResult& r, const std::string& fragment) {
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_THAT(r.err, ::testing::HasSubstr(fragment));
    EXPECT_EQ(r.err.find('\n'), r.err.size() - 1) << "expected one line: " << r.err;
  }

  chunkwise::testing::TempDir temp_{"chunkwise-search-modes"};  // removed after the members below
  fs::path dir_;
  std::string db_;
};

TEST_F(SearchModes, DenseFindsAChunkByItsOwnTextAndReusesTheIndex) {
  ingest();
  const std::set<std::string> files = index_files();
  ASSERT_EQ(files.size(), 2u);  // index + manifest
  const auto mtime = fs::last_write_time(dir_ / *files.begin());

  const nlohmann::json target = chunk_with("onions");
  const nlohmann::json found = search(fmt::format("'{}' --mode dense", target["text"].get<std::string>()));
  EXPECT_EQ(found["mode"], "dense");
  ASSERT_FALSE(found["results"].empty());
  EXPECT_EQ(found["results"][0]["chunk_id"], target["chunk_id"]);
  EXPECT_GT(found["results"][0]["score"].get<double>(), 0.9999);  // the same text embeds the same
  EXPECT_GE(found["results"].size(), 5u);  // every chunk has a vector: dense always finds some

  // The saved index is used as it is: no new files, none rewritten.
  search("'garlic dinner' --mode dense");
  EXPECT_EQ(index_files(), files);
  EXPECT_EQ(fs::last_write_time(dir_ / *files.begin()), mtime);

  // A readable table too.
  const CliResult table = run_chunkwise(fmt::format("search 'garlic' --db '{}' --mode dense", db_));
  ASSERT_EQ(table.exit_code, 0) << table.err;
  EXPECT_THAT(table.out, ::testing::HasSubstr("rank"));
  EXPECT_THAT(table.out, ::testing::HasSubstr(".txt:1"));
}

TEST_F(SearchModes, RemovedChunksNeverComeBackAndOnlyNewChunksAreEmbedded) {
  ingest();
  const std::set<std::string> before = index_files();
  const nlohmann::json target = chunk_with("onions");
  const std::string gamma = (dir_ / "b/gamma.txt").string();
  ASSERT_EQ(run_chunkwise(fmt::format("rm '{}' --db '{}'", gamma, db_)).exit_code, 0);
  const nlohmann::json results =
      search(fmt::format("'{}' --mode dense --top-k 50", target["text"].get<std::string>()))["results"];
  EXPECT_FALSE(results.empty());
  EXPECT_EQ(paths(results).count(gamma), 0u);
  const std::set<std::string> after = index_files();
  EXPECT_EQ(after.size(), 2u);
  EXPECT_NE(after, before);  // rebuilt for the new generation; the old files are gone

  // A changed file without --embed-model: a warning until embed-index embeds just its chunks.
  write(dir_ / "b/delta.txt", "zanzibar spice markets sell cloves and nutmeg");
  fs::remove(gamma);  // else ingesting b/ again brings it back
  ASSERT_EQ(
      run_chunkwise(fmt::format("ingest '{}' --db '{}' --chunker token --chunk-size 8 --chunk-overlap 0",
                                (dir_ / "b").string(), db_))
          .exit_code,
      0);
  const CliResult warned = run_chunkwise(fmt::format("search nutmeg --db '{}' --mode dense --json", db_));
  EXPECT_EQ(warned.exit_code, 0) << warned.err;
  EXPECT_THAT(warned.err, ::testing::HasSubstr("1 chunks have no embedding yet"));
  const CliResult embedded =
      run_chunkwise(fmt::format("embed-index --db '{}' --model '{}' --json", db_, kBert));
  ASSERT_EQ(embedded.exit_code, 0) << embedded.err;
  const nlohmann::json summary = nlohmann::json::parse(embedded.out);
  EXPECT_EQ(summary["embedded"], 1);
  EXPECT_EQ(summary["index_saved"], true);
  const CliResult again = run_chunkwise(fmt::format("embed-index --db '{}' --model '{}' --json", db_, kBert));
  EXPECT_EQ(nlohmann::json::parse(again.out)["embedded"], 0);
  EXPECT_EQ(nlohmann::json::parse(again.out)["index_build_seconds"], 0.0);  // current: loaded, not built
  const CliResult quiet = run_chunkwise(fmt::format("search nutmeg --db '{}' --mode dense --json", db_));
  EXPECT_EQ(quiet.err, "");
}

TEST_F(SearchModes, HybridFusesTheRanksOfBothLists) {
  ingest();
  const nlohmann::json target = chunk_with("onions");
  const std::string text = target["text"].get<std::string>();
  const nlohmann::json fused = search(fmt::format("'{}' --mode hybrid", text));
  EXPECT_EQ(fused["mode"], "hybrid");
  ASSERT_FALSE(fused["results"].empty());
  EXPECT_EQ(fused["results"][0]["chunk_id"], target["chunk_id"]);
  EXPECT_NEAR(fused["results"][0]["score"].get<double>(), 2.0 / 61, 1e-12);  // first in both lists
  EXPECT_NEAR(search(fmt::format("'{}' --mode hybrid --weights bm25=3,dense=0", text))["results"][0]["score"]
                  .get<double>(),
              3.0 / 61, 1e-12);
  EXPECT_NEAR(search(fmt::format("'{}' --mode hybrid --rrf-k 0", text))["results"][0]["score"].get<double>(),
              2.0, 1e-12);
  // Hybrid sees chunks that only one list has: a word no chunk contains still gets dense hits.
  EXPECT_FALSE(search("'quixotic' --mode hybrid")["results"].empty());
  EXPECT_TRUE(search("'quixotic'")["results"].empty());
}

TEST_F(SearchModes, FiltersByPathDocumentAndTag) {
  ingest();
  const std::string b = (dir_ / "b").string();
  for (const char* mode : {"bm25", "dense", "hybrid"}) {
    SCOPED_TRACE(mode);
    const nlohmann::json under_b =
        search(fmt::format("'garlic zanzibar' --mode {} --path '*/b/*'", mode))["results"];
    EXPECT_FALSE(under_b.empty());
    for (const std::string& path : paths(under_b)) EXPECT_TRUE(path.starts_with(b + "/")) << path;
    EXPECT_EQ(paths(search(fmt::format("'garlic zanzibar' --mode {} --path delta.txt", mode))["results"]),
              std::set<std::string>{b + "/delta.txt"});
    const nlohmann::json first =
        search(fmt::format("'garlic zanzibar' --mode {} --tag first", mode))["results"];
    EXPECT_FALSE(first.empty());
    for (const std::string& path : paths(first)) EXPECT_TRUE(path.starts_with((dir_ / "a").string())) << path;
    EXPECT_EQ(paths(search(fmt::format("'garlic zanzibar' --mode {} --document '{}'", mode,
                                       b + "/gamma.txt"))["results"]),
              std::set<std::string>{b + "/gamma.txt"});
  }
  const nlohmann::json gamma = chunk_with("onions");
  EXPECT_EQ(
      paths(search(fmt::format("garlic --document {}", gamma["document_id"].get<int64_t>()))["results"]),
      std::set<std::string>{b + "/gamma.txt"});
  EXPECT_TRUE(search("garlic --tag nothing")["results"].empty());
  expect_one_line_error(run_chunkwise(fmt::format("search garlic --db '{}' --document /no/such.txt", db_)),
                        "no such document");
}

TEST_F(SearchModes, EverySelectorKeepsToTheBudget) {
  ingest();
  for (const char* mode : {"bm25", "hybrid"})
    for (const char* selector : {"top-k", "mmr", "sage", "meteora", "corag"}) {
      SCOPED_TRACE(fmt::format("{} {}", mode, selector));
      const nlohmann::json out =
          search(fmt::format("'zanzibar garlic restart' --mode {} --select {} --budget 20", mode, selector));
      EXPECT_EQ(out["selector"], selector);
      EXPECT_FALSE(out["results"].empty());
      int64_t tokens = 0;
      for (const auto& r : out["results"]) tokens += r["token_count"].get<int64_t>();
      EXPECT_LE(tokens, 20);
      EXPECT_EQ(out["tokens"], tokens);
    }
  // METEORA adds the neighbours of what it keeps, next to it.
  const nlohmann::json meteora = search("'installer' --select meteora --budget 100")["results"];
  ASSERT_EQ(meteora.size(), 2u);
  EXPECT_TRUE(meteora[0]["neighbour_of"].is_null());
  EXPECT_EQ(meteora[1]["neighbour_of"], meteora[0]["chunk_id"]);
  EXPECT_EQ(meteora[1]["ordinal"], meteora[0]["ordinal"].get<int64_t>() + 1);
  const CliResult table =
      run_chunkwise(fmt::format("search installer --db '{}' --select meteora --budget 100", db_));
  EXPECT_THAT(table.out, ::testing::HasSubstr("2+"));
}

TEST_F(SearchModes, BadOptionsAreOneLineErrors) {
  ingest(false);
  expect_one_line_error(run_chunkwise(fmt::format("search x --db '{}' --mode dense", db_)),
                        "no embeddings in the catalog");
  expect_one_line_error(
      run_chunkwise(fmt::format("embed-index --db '{}' --model '{}'", db_, kBert + "/../no-such-model")),
      "no-such-model");
  ASSERT_EQ(run_chunkwise(fmt::format("embed-index --db '{}' --model '{}'", db_, kBert)).exit_code, 0);
  expect_one_line_error(
      run_chunkwise(fmt::format("search x --db '{}' --mode dense --embed-model '{}'", db_, kQwen)),
      "no embeddings of the model");
  expect_one_line_error(run_chunkwise(fmt::format("search x --db '{}' --mode hybrid --weights bm25=x", db_)),
                        "--weights");
  expect_one_line_error(run_chunkwise(fmt::format("search x --db '{}' --select best", db_)),
                        "unknown selector");
  expect_one_line_error(run_chunkwise(fmt::format("search x --db '{}' --select mmr --mmr-lambda 2", db_)),
                        "MMR lambda 2");
  expect_one_line_error(run_chunkwise(fmt::format("search x --db '{}' --mode hybrid --rrf-k -1", db_)),
                        "RRF k");
  EXPECT_EQ(run_chunkwise(fmt::format("search x --db '{}' --mode nope", db_)).exit_code, 2);
  expect_one_line_error(run_chunkwise(fmt::format("embed-index --db '{}' --model '{}'",
                                                  (dir_ / "absent/c.db").string(), kBert)),
                        "absent");
}

}  // namespace
}  // namespace chunkwise::testing
