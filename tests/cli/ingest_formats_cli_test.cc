// End-to-end: `chunkwise ingest` of HTML, PDF and gzip-compressed files as a user runs it, then `search` and
// `chunk`: extracted text is what gets found, headings paths come from HTML headings, PDF hits carry their
// page, and a corrupt PDF or .gz is a warning, a `failed` count and exit status 1 while the rest is ingested.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"
#include "support/document_fixtures.h"
#include "support/temp_dir.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

class IngestFormatsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::canonical(temp_.path());
    docs_ = dir_ / "docs";
    fs::create_directory(docs_);
    write(docs_ / "page.html",
          "<html><head><title>Handbook</title><script>var hidden = 'quokka';</script></head><body>"
          "<nav>Menu quokka</nav><h1>Setup</h1><p>Plug in the walrus adapter.</p>"
          "<h2>Cables</h2><ul><li>red cable</li><li>blue cable</li></ul></body></html>");
    write(docs_ / "manual.pdf", make_pdf({"Introduction to the device", "The narwhal button resets it"}));
    write(docs_ / "README.md.gz", gzip("# Readme\n\nCompressed text about pelicans.\n"));
    write(docs_ / "broken.pdf", "%PDF-1.7\nthis is not a PDF body");
    write(docs_ / "broken.txt.gz", "not gzip data at all");
    db_ = (dir_ / "catalog.db").string();
  }

  nlohmann::json search(const std::string& query) {
    const CliResult r = run_chunkwise("search '" + query + "' --db '" + db_ + "' --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

  chunkwise::testing::TempDir temp_{"chunkwise-formats-cli"};  // removed after the members below
  fs::path dir_, docs_;
  std::string db_;
};

TEST_F(IngestFormatsCli, HtmlPdfAndGzipAreIngestedAndCorruptFilesFail) {
  const CliResult r = run_chunkwise("ingest '" + docs_.string() + "' --db '" + db_ +
                                    "' --json --chunker token --chunk-size 5 --chunk-overlap 0");
  EXPECT_EQ(r.exit_code, 1) << r.err;  // something failed
  const nlohmann::json summary = nlohmann::json::parse(r.out, nullptr, false);
  EXPECT_EQ(summary["added"], 3) << r.out;
  EXPECT_EQ(summary["failed"], 2) << r.out;
  EXPECT_THAT(r.err, ::testing::HasSubstr("broken.pdf: skipped: not a readable PDF"));
  EXPECT_THAT(r.err, ::testing::HasSubstr("broken.txt.gz: skipped: corrupt or truncated compressed data"));

  const nlohmann::json walrus = search("walrus");
  ASSERT_TRUE(walrus.contains("results")) << walrus.dump();
  ASSERT_FALSE(walrus["results"].empty());
  EXPECT_THAT(walrus["results"][0]["path"].get<std::string>(), ::testing::EndsWith("page.html"));
  EXPECT_EQ(walrus["results"][0]["headings"], (nlohmann::json{"Setup"}));
  EXPECT_TRUE(search("quokka")["results"].empty());  // script and navigation are not content

  const nlohmann::json narwhal = search("narwhal");
  ASSERT_FALSE(narwhal["results"].empty());
  EXPECT_THAT(narwhal["results"][0]["path"].get<std::string>(), ::testing::EndsWith("manual.pdf"));
  EXPECT_EQ(narwhal["results"][0]["page"], 2);
  EXPECT_FALSE(search("pelicans")["results"].empty());

  const CliResult chunks = run_chunkwise("chunk '" + (docs_ / "manual.pdf").string() +
                                         "' --chunker token --chunk-size 3 --chunk-overlap 0");
  ASSERT_EQ(chunks.exit_code, 0) << chunks.err;
  std::vector<int> pages;
  std::istringstream lines(chunks.out);
  for (std::string line; std::getline(lines, line);) pages.push_back(nlohmann::json::parse(line)["page"]);
  ASSERT_FALSE(pages.empty());
  EXPECT_EQ(pages.front(), 1);
  EXPECT_EQ(pages.back(), 2);

  const CliResult bad = run_chunkwise("chunk '" + (docs_ / "broken.pdf").string() + "'");
  EXPECT_EQ(bad.exit_code, 2);
  EXPECT_THAT(bad.err, ::testing::HasSubstr("broken.pdf: not a readable PDF"));
}

TEST_F(IngestFormatsCli, OneDocumentFromStdinUnderAGivenName) {
  const std::string args = "ingest - --db '" + db_ + "' --json --name notes/otters.md";
  const CliResult r = run_chunkwise(args, "# Otters\n\nStdin words about sea otters.\n");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["added"], 1) << r.out;
  const nlohmann::json hits = search("otters");
  ASSERT_FALSE(hits["results"].empty());
  EXPECT_EQ(hits["results"][0]["path"], "notes/otters.md");
  EXPECT_EQ(hits["results"][0]["headings"], (nlohmann::json{"Otters"}));
  // The same bytes again: unchanged.
  EXPECT_EQ(nlohmann::json::parse(
                run_chunkwise(args, "# Otters\n\nStdin words about sea otters.\n").out)["unchanged"],
            1);
  const CliResult mixed = run_chunkwise("ingest - '" + docs_.string() + "' --db '" + db_ + "'");
  EXPECT_EQ(mixed.exit_code, 2);
  EXPECT_THAT(mixed.err, ::testing::HasSubstr("'-' (stdin) cannot be mixed with other paths"));
}

}  // namespace
}  // namespace chunkwise::testing
