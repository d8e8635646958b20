// End-to-end: `chunkwise ingest` of HTML, PDF and gzip-compressed files as a user runs it, then `search` and
// `chunk`: extracted text is what gets found, headings paths come from HTML headings, PDF hits carry their
// page, and a corrupt PDF or .gz is a warning, a `failed` count and exit status 1 while the rest is ingested.
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli_runner.h"

namespace chunkwise::testing {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

std::string gzip(const std::string& data) {
  z_stream stream{};
  deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out(deflateBound(&stream, uLong(data.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = uInt(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = uInt(out.size());
  deflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  deflateEnd(&stream);
  return out;
}

// One line of text per page, with a correct xref table.
std::string make_pdf(const std::vector<std::string>& pages) {
  std::vector<std::string> objects{"<< /Type /Catalog /Pages 2 0 R >>"};
  std::string kids;
  for (size_t i = 0; i < pages.size(); ++i) kids += std::to_string(3 + 2 * i) + " 0 R ";
  objects.push_back("<< /Type /Pages /Kids [" + kids + "] /Count " + std::to_string(pages.size()) + " >>");
  const size_t font = 3 + 2 * pages.size();
  for (size_t i = 0; i < pages.size(); ++i) {
    const std::string stream = "BT /F1 12 Tf 72 720 Td (" + pages[i] + ") Tj ET";
    objects.push_back("<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents " +
                      std::to_string(4 + 2 * i) + " 0 R /Resources << /Font << /F1 " + std::to_string(font) +
                      " 0 R >> >> >>");
    objects.push_back("<< /Length " + std::to_string(stream.size()) + " >>\nstream\n" + stream +
                      "\nendstream");
  }
  objects.push_back("<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>");
  std::string pdf = "%PDF-1.4\n";
  std::vector<size_t> offsets;
  for (size_t i = 0; i < objects.size(); ++i) {
    offsets.push_back(pdf.size());
    pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
  }
  const size_t xref = pdf.size();
  pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
  for (size_t offset : offsets) {
    char line[32];
    std::snprintf(line, sizeof line, "%010zu 00000 n \n", offset);
    pdf += line;
  }
  return pdf + "trailer\n<< /Size " + std::to_string(objects.size() + 1) + " /Root 1 0 R >>\nstartxref\n" +
         std::to_string(xref) + "\n%%EOF\n";
}

class IngestFormatsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/chunkwise-formats-cli-XXXXXX";
    dir_ = fs::canonical(mkdtemp(pattern));
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
  void TearDown() override { fs::remove_all(dir_); }

  nlohmann::json search(const std::string& query) {
    const CliResult r = run_chunkwise("search '" + query + "' --db '" + db_ + "' --json");
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return nlohmann::json::parse(r.out, nullptr, false);
  }

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
