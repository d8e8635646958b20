// `chunkwise chunk FILE --chunker NAME`: chunks one file as ingest would and prints one JSON object per chunk
// (text, byte offsets, token count, headings path, page), to inspect a chunker's choices.
#include <cstdio>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/chunker_options.h"
#include "cli/commands.h"
#include "common/error.h"
#include "ingest/chunk_models.h"
#include "ingest/document_text.h"
#include "ingest/ingester.h"
#include "ingest/text_file.h"

namespace chunkwise::cli {
namespace {

struct ChunkOptions {
  std::string file;
  ChunkerFlags chunker;
};

int run_chunk(const ChunkOptions& options) {
  const text::ChunkerConfig config = chunker_config(options.chunker);
  const auto chunker = text::make_chunker(config, ingest::load_chunker_models(config, options.chunker.model));
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
  add_chunker_flags(*cmd, options->chunker, "--model");
  cmd->callback([&run, options] { run = [options] { return run_chunk(*options); }; });
}

}  // namespace chunkwise::cli
