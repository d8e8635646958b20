// `chunkwise chunk FILE --chunker NAME`: chunks one file as ingest would and prints one JSON object per chunk
// (text, byte offsets, token count, headings path, page), to inspect a chunker's choices.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/commands.h"
#include "common/error.h"
#include "ingest/document_text.h"
#include "ingest/ingester.h"
#include "ingest/text_file.h"

namespace chunkwise::cli {
namespace {

struct ChunkOptions {
  std::string file;
  std::string chunker = "recursive";
  size_t chunk_size = 0;
  size_t chunk_overlap = 0;
  bool overlap_set = false;
};

int run_chunk(const ChunkOptions& options) {
  const auto chunker =
      text::make_chunker({options.chunker, options.chunk_size, options.chunk_overlap, options.overlap_set});
  ingest::ExtractedDocument document;
  try {
    document = ingest::extract_document(ingest::format_of(options.file),
                                        ingest::read_file_bytes(options.file).bytes);
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::invalid_input) throw;
    fail(ErrorKind::invalid_input, "{}: {}", options.file, e.what());
  }
  if (document.binary) fail(ErrorKind::invalid_input, "{}: binary file", options.file);
  if (document.replaced > 0)
    std::fprintf(stderr, "chunkwise: warning: %s: %zu invalid UTF-8 sequences replaced by U+FFFD\n",
                 options.file.c_str(), document.replaced);
  const auto chunks = ingest::chunk_text(*chunker, document);
  std::string out;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const text::Chunk& c = chunks[i];
    out += nlohmann::json{{"index", i},
                          {"text", c.text},
                          {"begin", c.begin},
                          {"end", c.end},
                          {"token_count", c.token_count},
                          {"headings", c.headings},
                          {"page", c.page}}
               .dump() +
           "\n";
  }
  std::fwrite(out.data(), 1, out.size(), stdout);
  return 0;
}

}  // namespace

void add_chunk_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<ChunkOptions>();
  auto* cmd = app.add_subcommand("chunk", "Chunk one file and print the chunks as JSON lines");
  cmd->add_option("file", options->file, "A text, Markdown, HTML or PDF file (also .gz)")->required();
  cmd->add_option("--chunker", options->chunker,
                  "token (whitespace words), sentence (whole sentences, ICU), recursive (LangChain's) or "
                  "structure (sections; tables and code kept whole)")
      ->capture_default_str();
  cmd->add_option("--chunk-size", options->chunk_size,
                  "Chunk size: code points for recursive (default 1000), words for the others (default 256)");
  auto* overlap =
      cmd->add_option("--chunk-overlap", options->chunk_overlap,
                      "Overlap between neighbouring chunks, same unit (default: a fifth of the size)");
  cmd->callback([&run, options, overlap] {
    options->overlap_set = overlap->count() > 0;
    run = [options] { return run_chunk(*options); };
  });
}

}  // namespace chunkwise::cli
