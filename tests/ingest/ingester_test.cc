// Ingest: text decoding (binary detection, invalid UTF-8 repaired and counted), formats, the file walk
// (hidden entries, globs, symbolic links, errors), and ingest_paths' summary over added, unchanged, replaced,
// skipped and failed files.
#include "ingest/ingester.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "common/error.h"
#include "ingest/file_walk.h"
#include "ingest/text_file.h"
#include "support/temp_dir.h"

namespace chunkwise::ingest {
namespace {

namespace fs = std::filesystem;

void write(const fs::path& path, const std::string& bytes) {
  fs::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << bytes;
}

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override { dir_ = fs::canonical(temp_.path()); }
  void TearDown() override {
    std::error_code ec;
    fs::permissions(dir_ / "docs" / "secret.txt", fs::perms::owner_all, ec);
  }

  std::vector<std::string> names(const WalkResult& result) {
    std::vector<std::string> out;
    for (const FoundFile& file : result.files) out.push_back(file.path.lexically_relative(dir_).string());
    return out;
  }

  chunkwise::testing::TempDir temp_{"chunkwise-ingest"};  // removed after the members below
  fs::path dir_;
};

TEST(DecodeText, ValidTextPassesThrough) {
  const DecodedText d = decode_text("héllo \xEF\xBF\xBD wörld");
  EXPECT_FALSE(d.binary);
  EXPECT_EQ(d.replaced, 0u);
  EXPECT_EQ(d.text, "héllo \xEF\xBF\xBD wörld");
}

TEST(DecodeText, InvalidSequencesAreReplacedAndCounted) {
  const DecodedText d = decode_text("caf\xE9 cr\xE8me br\xFBl\xE9" + std::string(100, 'e') + " \xEF\xBF\xBD");
  EXPECT_FALSE(d.binary);
  EXPECT_EQ(d.replaced, 4u);
  EXPECT_THAT(d.text, ::testing::StartsWith("caf\xEF\xBF\xBD cr\xEF\xBF\xBDme"));
}

TEST(DecodeText, BinaryIsDetected) {
  EXPECT_TRUE(decode_text(std::string("PK\x03\x04\0\0", 6) + "rest").binary);
  EXPECT_TRUE(decode_text("\xFF\xFE\xFD\xFC\x80\x81 text").binary);
  EXPECT_TRUE(decode_text("\x89PNG\r\n\x1A\n\xC0\xC1\xF5\xFF").binary);
  EXPECT_FALSE(
      decode_text(std::string(8192, 'a') + std::string(1, '\0')).binary);  // only the start is looked at
}

TEST(Formats, ByExtension) {
  EXPECT_EQ(format_of("a/b.md").format, Format::markdown);
  EXPECT_EQ(format_of("README.MarkDown").format, Format::markdown);
  EXPECT_EQ(format_of("x.txt").format, Format::text);
  EXPECT_EQ(format_of("Makefile").format, Format::text);
  EXPECT_EQ(format_of("page.HTML").format, Format::html);
  EXPECT_EQ(format_of("page.xhtml").format, Format::html);
  EXPECT_EQ(format_of("paper.pdf").format, Format::pdf);
  EXPECT_FALSE(format_of("paper.pdf").gzip);
  EXPECT_EQ(format_of("README.md.gz").format, Format::markdown);
  EXPECT_TRUE(format_of("README.md.gz").gzip);
  EXPECT_EQ(format_of("changelog.Debian.gz").format, Format::text);
  EXPECT_TRUE(format_of("changelog.Debian.GZ").gzip);
}

TEST_F(IngestTest, WalkFollowsGlobsAndSkipsHiddenEntries) {
  write(dir_ / "a.md", "a");
  write(dir_ / "sub" / "b.txt", "b");
  write(dir_ / "sub" / "deep" / "c.md", "c");
  write(dir_ / ".hidden" / "d.txt", "d");
  write(dir_ / "sub" / ".e.txt", "e");
  write(dir_ / "build" / "f.txt", "f");
  fs::create_directory_symlink(dir_ / "sub", dir_ / "link");
  using V = std::vector<std::string>;
  EXPECT_EQ(names(find_files({dir_}, {})), (V{"a.md", "build/f.txt", "sub/b.txt", "sub/deep/c.md"}));
  EXPECT_EQ(names(find_files({dir_}, {{"*.md"}, {}})), (V{"a.md", "sub/deep/c.md"}));
  EXPECT_EQ(names(find_files({dir_}, {{}, {"build", "*.md"}})), (V{"sub/b.txt"}));
  EXPECT_EQ(names(find_files({dir_}, {{"sub/*"}, {}})), (V{"sub/b.txt", "sub/deep/c.md"}));
  // Named files are taken as they are, once.
  EXPECT_EQ(names(find_files({dir_ / "sub" / ".e.txt", dir_ / "a.md", dir_}, {{"*.txt"}, {}})),
            (V{"a.md", "build/f.txt", "sub/.e.txt", "sub/b.txt"}));
  const WalkResult missing = find_files({dir_ / "nope"}, {});
  EXPECT_TRUE(missing.files.empty());
  ASSERT_EQ(missing.errors.size(), 1u);
  EXPECT_THAT(missing.errors[0], ::testing::HasSubstr("nope"));
}

TEST_F(IngestTest, SummaryCountsEveryKindOfFile) {
  write(dir_ / "docs" / "guide.md", "# Guide\n## Install\nRun the installer.\n## Use\nType words.\n");
  write(dir_ / "docs" / "notes.txt", "plain notes about nothing in particular");
  write(dir_ / "docs" / "latin1.txt", "caf\xE9 au lait, cr\xE8me br\xFBl\xE9" + std::string(60, '.'));
  write(dir_ / "docs" / "empty.txt", "");
  write(dir_ / "docs" / "image.png", std::string("\x89PNG\r\n\x1A\n\0\0\0\rIHDR", 16));
  write(dir_ / "docs" / "page.html", "<p>later</p>");
  write(dir_ / "docs" / "broken.pdf", "%PDF-1.4 this is not really a PDF");
  const bool root = geteuid() == 0;
  if (!root) {
    write(dir_ / "docs" / "secret.txt", "unreadable");
    fs::permissions(dir_ / "docs" / "secret.txt", fs::perms::none);
  }
  store::Catalog catalog(dir_ / "c.db");
  IngestOptions options;
  options.chunker = {"token", 3, 1, true};
  options.ignore = {dir_ / "c.db", dir_ / "c.db-wal", dir_ / "c.db-shm"};
  std::vector<std::string> warnings;
  IngestCallbacks callbacks;
  callbacks.on_warning = [&](const std::string& w) { warnings.push_back(w); };
  size_t progress_calls = 0;
  callbacks.on_progress = [&](const IngestProgress& p) {
    ++progress_calls;
    EXPECT_LE(p.files_done, p.files_total);
  };

  const IngestSummary first = ingest_paths(catalog, {dir_, dir_ / "missing"}, options, callbacks);
  EXPECT_EQ(first.added, 4u);
  EXPECT_EQ(first.skipped, 2u);             // empty, binary
  EXPECT_EQ(first.failed, root ? 2u : 3u);  // missing root, broken PDF (, unreadable file)
  EXPECT_EQ(first.replaced_sequences, 4u);
  EXPECT_EQ(progress_calls, root ? 7u : 8u);
  EXPECT_THAT(warnings, ::testing::Contains(::testing::HasSubstr("broken.pdf: skipped: not a readable PDF")));
  EXPECT_EQ(static_cast<size_t>(catalog.chunk_count()), first.chunks);
  EXPECT_THAT(warnings, ::testing::Contains(::testing::HasSubstr("empty.txt: skipped: empty file")));
  EXPECT_THAT(warnings, ::testing::Contains(::testing::HasSubstr("image.png: skipped: binary file")));
  EXPECT_THAT(warnings, ::testing::Contains(::testing::HasSubstr("missing")));
  if (!root) {
    EXPECT_THAT(warnings, ::testing::Contains(::testing::HasSubstr("secret.txt")));
  }

  const auto guide = catalog.find_document((dir_ / "docs" / "guide.md").string());
  ASSERT_TRUE(guide);
  const auto chunks = catalog.chunks_of(guide->id);
  ASSERT_FALSE(chunks.empty());
  EXPECT_EQ(chunks.back().headings, (std::vector<std::string>{"Guide", "Use"}));

  options.ignore.clear();  // the catalog is binary anyway; it must not count as a document
  const IngestSummary again = ingest_paths(catalog, {dir_ / "docs"}, options);
  EXPECT_EQ(again.added + again.replaced, 0u);
  EXPECT_EQ(again.unchanged, 4u);

  write(dir_ / "docs" / "notes.txt", "different notes now");
  const IngestSummary changed = ingest_paths(catalog, {dir_ / "docs"}, options);
  EXPECT_EQ(changed.replaced, 1u);
  EXPECT_EQ(changed.unchanged, 3u);

  options.chunker = {"recursive", 50, 0, true};
  const IngestSummary rechunked = ingest_paths(catalog, {dir_ / "docs"}, options);
  EXPECT_EQ(rechunked.replaced, 4u);
  EXPECT_EQ(catalog.document_count(), 4);
  EXPECT_EQ(catalog.integrity_check(), "ok");
}

TEST_F(IngestTest, SmallBatchesStoreEverything) {
  for (int i = 0; i < 40; ++i) write(dir_ / fmt::format("f{}.txt", i), fmt::format("file number {}", i));
  store::Catalog catalog(dir_ / "c.db");
  IngestOptions options;
  options.batch_documents = 7;
  options.ignore = {dir_ / "c.db"};
  const IngestSummary summary = ingest_paths(catalog, {dir_}, options);
  EXPECT_EQ(summary.added, 40u);
  EXPECT_EQ(catalog.document_count(), 40);
}

TEST_F(IngestTest, BadChunkerSettingsAreAnError) {
  store::Catalog catalog(dir_ / "c.db");
  IngestOptions options;
  options.chunker = {"token", 2, 5, true};
  EXPECT_THROW(ingest_paths(catalog, {dir_}, options), Error);
}

}  // namespace
}  // namespace chunkwise::ingest
