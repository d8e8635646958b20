// Extraction of text and structure from HTML, PDF and gzip-compressed files.
#include "ingest/document_text.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "common/error.h"
#include "ingest/html_document.h"
#include "ingest/pdf_document.h"
#include "support/document_fixtures.h"
#include "support/expect_error.h"

namespace chunkwise::ingest {
namespace {

using chunkwise::testing::gzip;
using chunkwise::testing::make_pdf;

std::string heading_at(const ExtractedDocument& d, size_t i) {
  const text::Heading& h = d.structure.headings.at(i);
  return d.text.substr(h.begin, h.title.size());
}

TEST(HtmlDocument, KeepsContentHeadingsListsTablesAndCode) {
  const ExtractedDocument d = extract_html(R"(<!doctype html><html><head><title>The  Guide</title>
<style>body { color: red }</style><script>var x = "hidden";</script></head>
<body><nav><a href="/">Home</a> | <a href="/x">Menu</a></nav>
<h1>Install</h1><p>Run   the
installer.</p>
<h2 id="s">Options &amp; flags</h2>
<ul><li>first <b>item</b></li><li>second</li></ul>
<table><tr><th>name</th><th>value</th></tr><tr><td>a</td><td>1</td></tr></table>
<pre>  indented
    code</pre>
<div hidden>secret</div><p style="display: none">also secret</p><span aria-hidden="true">icon</span>
<footer>Copyright</footer></body></html>)");
  EXPECT_EQ(d.text,
            "The Guide\n\nInstall\n\nRun the installer.\n\nOptions & flags\n\n- first item\n- second\n\n"
            "name | value\na | 1\n\n  indented\n    code");
  ASSERT_EQ(d.structure.headings.size(), 2u);
  EXPECT_EQ(d.structure.headings[0].level, 1);
  EXPECT_EQ(d.structure.headings[0].title, "Install");
  EXPECT_EQ(heading_at(d, 0), "Install");
  EXPECT_EQ(d.structure.headings[1].level, 2);
  EXPECT_EQ(heading_at(d, 1), "Options & flags");
  for (const char* dropped : {"Home", "Menu", "hidden", "secret", "icon", "Copyright", "color"})
    EXPECT_EQ(d.text.find(dropped), std::string::npos) << dropped;
}

TEST(HtmlDocument, TablesAndPreformattedTextAreAtomicBlocks) {
  const ExtractedDocument d = extract_html(
      "<p>intro</p><table><tr><td>a</td><td><table><tr><td>nested</td></tr></table></td></tr>"
      "<tr><td>b</td><td>2</td></tr></table><p>between</p><pre>x = 1\n\ny = 2</pre><p>end</p>");
  std::vector<std::string> blocks;
  for (const text::Span& b : d.structure.atomic_blocks)
    blocks.push_back(d.text.substr(b.begin, b.end - b.begin));
  ASSERT_EQ(blocks.size(), 2u) << d.text;  // the nested table is inside the outer one
  EXPECT_EQ(blocks[0].substr(0, 1), "a");
  EXPECT_NE(blocks[0].find("nested"), std::string::npos);
  EXPECT_NE(blocks[0].find("b | 2"), std::string::npos);
  EXPECT_EQ(blocks[1], "x = 1\n\ny = 2");
}

TEST(HtmlDocument, BrokenAndDeeplyNestedMarkupParsesWithoutRecursion) {
  EXPECT_EQ(extract_html("<p>unclosed <b>bold <i>both</p><p>next").text, "unclosed bold both\n\nnext");
  EXPECT_EQ(extract_html("").text, "");
  std::string deep;
  for (int i = 0; i < 1500; ++i) deep += "<div><p>";
  deep += "x";
  EXPECT_EQ(extract_html(deep).text, "x");
  for (int i = 0; i < 1000; ++i) deep += "<section>";
  testing::expect_error([&] { extract_html(deep); }, ErrorKind::invalid_input,
                        "HTML nests elements 2500 deep");
  std::string flat;  // unclosed paragraphs and list items do not nest
  for (int i = 0; i < 5000; ++i) flat += "<li>item <p>text <br> <img src=x>";
  EXPECT_NO_THROW(extract_html(flat));
}

TEST(PdfDocument, TextPerPageWithPageStarts) {
  const ExtractedDocument d = extract_pdf(make_pdf({"Hello first page", "Second page text"}));
  ASSERT_EQ(d.structure.page_starts.size(), 2u);
  EXPECT_EQ(d.structure.page_starts[0], 0u);
  EXPECT_THAT(d.text.substr(0, d.structure.page_starts[1]), ::testing::HasSubstr("Hello first page"));
  EXPECT_THAT(d.text.substr(d.structure.page_starts[1]), ::testing::HasSubstr("Second page text"));
  EXPECT_EQ(d.text.substr(0, d.structure.page_starts[1]).find("Second"), std::string::npos);
}

TEST(PdfDocument, CorruptTruncatedAndEmptyInputsAreClearErrors) {
  const std::string pdf = make_pdf({"Some text"});
  testing::expect_error([&] { extract_pdf("not a pdf at all"); }, ErrorKind::invalid_input,
                        "not a readable PDF");
  testing::expect_error([&] { extract_pdf(""); }, ErrorKind::invalid_input, "not a readable PDF");
  for (size_t cut : {size_t(9), pdf.size() / 3, pdf.size() / 2}) {
    try {
      extract_pdf(pdf.substr(0, cut));  // poppler may repair a truncated file or refuse it: never crash
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    }
  }
}

TEST(Gzip, DecompressesMembersAndRejectsCorruptOrHugeData) {
  EXPECT_EQ(gunzip(gzip("hello world"), 1 << 20), "hello world");
  EXPECT_EQ(gunzip(gzip("first ") + gzip("second"), 1 << 20), "first second");
  const std::string big(1 << 20, 'a');
  EXPECT_EQ(gunzip(gzip(big), 2 << 20), big);
  testing::expect_error([&] { gunzip(gzip(big), 1000); }, ErrorKind::invalid_input, "more than 1000 bytes");
  const std::string packed = gzip("some text that is long enough to be cut");
  testing::expect_error([&] { gunzip(packed.substr(0, packed.size() / 2), 1 << 20); },
                        ErrorKind::invalid_input, "corrupt or truncated");
  testing::expect_error([&] { gunzip("plain text", 1 << 20); }, ErrorKind::invalid_input, "corrupt");
}

TEST(ExtractDocument, DispatchesByFormatAndDecompressesFirst) {
  const ExtractedDocument markdown = extract_document(format_of("a.md.gz"), gzip("# Title\n\nBody\n"));
  EXPECT_EQ(markdown.text, "# Title\n\nBody\n");
  ASSERT_EQ(markdown.structure.headings.size(), 1u);
  EXPECT_EQ(markdown.structure.headings[0].title, "Title");
  EXPECT_EQ(extract_document(format_of("p.html"), "<h2>T</h2><p>x</p>").text, "T\n\nx");
  EXPECT_TRUE(extract_document(format_of("x.txt"), std::string("a\0b", 3)).binary);
  const ExtractedDocument pdf = extract_document(format_of("doc.pdf.gz"), gzip(make_pdf({"Zipped PDF"})));
  EXPECT_THAT(pdf.text, ::testing::HasSubstr("Zipped PDF"));
}

}  // namespace
}  // namespace chunkwise::ingest
