// Ingest: find the files, read each as text, chunk it, and store it in the catalog. A file whose bytes and
// chunker settings are unchanged is not chunked again; changed files replace their chunks. Documents are
// written in batches, each batch one transaction, so a crash loses at most the batch in flight and never
// leaves part of a document. Formats: see document_text.h (text, Markdown, HTML, PDF, each also .gz). A file
// that cannot be used (binary, empty, corrupt, unreadable) is reported through `on_warning` and counted; the
// others go on.
#pragma once

#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

#include "ingest/document_text.h"
#include "ingest/file_walk.h"
#include "ingest/text_file.h"
#include "store/catalog.h"
#include "text/chunk/chunker.h"

namespace chunkwise::ingest {

struct IngestOptions {
  text::ChunkerConfig chunker;
  text::ChunkerModels chunker_models;  // the semantic / perplexity chunker's model (see chunk_models.h)
  WalkOptions walk;
  std::vector<std::filesystem::path> ignore;  // never ingested (the catalog's own files)
  size_t batch_bytes = 8 << 20;               // a batch is committed once it holds this much text...
  size_t batch_documents = 256;               // ...or this many documents
};

struct IngestProgress {
  size_t files_done = 0;
  size_t files_total = 0;
  uint64_t bytes_done = 0;
  uint64_t bytes_total = 0;
  size_t chunks = 0;
  double seconds = 0;
};

struct IngestSummary {
  size_t added = 0;     // new documents
  size_t replaced = 0;  // documents whose content or chunker changed
  size_t unchanged = 0;
  size_t skipped = 0;             // binary, empty or unsupported files: nothing to ingest, not an error
  size_t failed = 0;              // paths that could not be listed or read
  size_t chunks = 0;              // chunks written
  uint64_t bytes = 0;             // bytes read
  size_t replaced_sequences = 0;  // invalid UTF-8 sequences replaced by U+FFFD
  double seconds = 0;
};

struct IngestCallbacks {
  std::function<void(const std::string&)> on_warning;      // "PATH: why"
  std::function<void(const IngestProgress&)> on_progress;  // after each file
};

IngestSummary ingest_paths(store::Catalog& catalog, const std::vector<std::filesystem::path>& roots,
                           const IngestOptions& options, const IngestCallbacks& callbacks = {});

// One document given as bytes (e.g. read from stdin), stored under `name`, whose extension also names its
// format ("notes.md", "page.html.gz"; none: plain text). Same rules as ingest_paths.
IngestSummary ingest_document(store::Catalog& catalog, const std::string& name, std::string bytes,
                              const IngestOptions& options, const IngestCallbacks& callbacks = {});

// The chunks of one document as ingest makes them (with the headings and pages its format gives).
std::vector<text::Chunk> chunk_text(const text::Chunker& chunker, const ExtractedDocument& document);

}  // namespace chunkwise::ingest
