#include "ingest/ingester.h"

#include <algorithm>
#include <chrono>

#include "common/error.h"

namespace chunkwise::ingest {

namespace fs = std::filesystem;

namespace {

struct Pending {
  std::string path;
  std::string hash;
  int64_t size = 0;
  int64_t mtime_ns = 0;
  std::string text;
  std::vector<text::Chunk> chunks;
};

class BatchWriter {
 public:
  BatchWriter(store::Catalog& catalog, const IngestOptions& options, std::string chunker,
              IngestSummary& summary)
      : catalog_(catalog), options_(options), chunker_(std::move(chunker)), summary_(summary) {}

  void add(Pending document) {
    bytes_ += document.text.size();
    batch_.push_back(std::move(document));
    if (bytes_ >= options_.batch_bytes || batch_.size() >= options_.batch_documents) flush();
  }

  void flush() {
    if (batch_.empty()) return;
    auto transaction = catalog_.begin_write();
    size_t added = 0, replaced = 0, unchanged = 0, chunks = 0;
    std::vector<store::DocumentInput> inputs;
    for (const Pending& document : batch_)
      inputs.push_back({document.path, document.hash, document.size, document.mtime_ns, chunker_,
                        document.text, &document.chunks});
    const std::vector<store::PutResult> results = catalog_.put_documents(inputs);
    for (size_t i = 0; i < batch_.size(); ++i) {
      switch (results[i]) {
        case store::PutResult::added:
          ++added, chunks += batch_[i].chunks.size();
          break;
        case store::PutResult::replaced:
          ++replaced, chunks += batch_[i].chunks.size();
          break;
        case store::PutResult::unchanged:
          ++unchanged;
          break;  // another writer stored it meanwhile
      }
    }
    transaction.commit();
    summary_.added += added;
    summary_.replaced += replaced;
    summary_.unchanged += unchanged;
    summary_.chunks += chunks;
    batch_.clear();
    bytes_ = 0;
  }

  size_t pending_chunks() const {
    size_t n = 0;
    for (const Pending& document : batch_) n += document.chunks.size();
    return n;
  }

 private:
  store::Catalog& catalog_;
  const IngestOptions& options_;
  std::string chunker_;
  IngestSummary& summary_;
  std::vector<Pending> batch_;
  size_t bytes_ = 0;
};

// The steps after reading a document: unchanged check, extraction, chunking, into the batch.
template <typename Warn>
void add_document(store::Catalog& catalog, const text::Chunker& chunker,
                  const std::string& chunker_description, BatchWriter& writer, IngestSummary& summary,
                  Warn& warn, const std::string& path, const FileFormat& format, FileBytes bytes) {
  const std::string hash = store::content_hash(bytes.bytes);
  if (catalog.is_unchanged(path, hash, chunker_description)) {
    ++summary.unchanged;
    return;
  }
  const auto size = static_cast<int64_t>(bytes.bytes.size());
  ExtractedDocument extracted;
  try {
    extracted = extract_document(format, std::move(bytes.bytes));
  } catch (const Error& e) {
    if (e.kind() == ErrorKind::internal) throw;
    warn(path + ": skipped: " + e.what());
    ++summary.failed;
    return;
  }
  if (extracted.binary) {
    warn(path + ": skipped: binary file");
    ++summary.skipped;
    return;
  }
  if (extracted.replaced > 0) {
    warn(fmt::format("{}: {} invalid UTF-8 sequences replaced by U+FFFD", path, extracted.replaced));
    summary.replaced_sequences += extracted.replaced;
  }
  if (extracted.text.find_first_not_of(" \t\r\n\f\v") == std::string::npos) {
    warn(path + ": skipped: no text");
    ++summary.skipped;
    return;
  }
  std::vector<text::Chunk> chunks = chunk_text(chunker, extracted);
  writer.add({path, hash, size, bytes.mtime_ns, std::move(extracted.text), std::move(chunks)});
}

}  // namespace

std::vector<text::Chunk> chunk_text(const text::Chunker& chunker, const ExtractedDocument& document) {
  return chunker.chunk(document.text, document.structure);
}

IngestSummary ingest_paths(store::Catalog& catalog, const std::vector<fs::path>& roots,
                           const IngestOptions& options, const IngestCallbacks& callbacks) {
  const auto start = std::chrono::steady_clock::now();
  const std::unique_ptr<text::Chunker> chunker = text::make_chunker(options.chunker, options.chunker_models);
  const std::string chunker_description = chunker->describe();
  IngestSummary summary;
  auto warn = [&](const std::string& message) {
    if (callbacks.on_warning) callbacks.on_warning(message);
  };

  WalkResult walk = find_files(roots, options.walk);
  for (const std::string& error : walk.errors) {
    warn(error);
    ++summary.failed;
  }
  std::vector<fs::path> ignore;
  for (const fs::path& path : options.ignore) ignore.push_back(catalog_path(path));
  std::erase_if(walk.files, [&](const FoundFile& file) {
    return std::find(ignore.begin(), ignore.end(), file.path) != ignore.end();
  });

  IngestProgress progress;
  progress.files_total = walk.files.size();
  for (const FoundFile& file : walk.files) progress.bytes_total += file.size;

  BatchWriter writer(catalog, options, chunker_description, summary);
  // File problems are warnings; catalog errors end the ingest (committed batches stay).
  auto ingest_file = [&](const FoundFile& file) {
    const std::string path = file.path.string();
    const FileFormat format = format_of(file.path);
    FileBytes bytes;
    try {
      bytes = read_file_bytes(file.path);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::internal) throw;
      warn(e.what());
      ++summary.failed;
      return;
    }
    summary.bytes += bytes.bytes.size();
    progress.bytes_done += bytes.bytes.size();
    if (bytes.bytes.empty()) {
      warn(path + ": skipped: empty file");
      ++summary.skipped;
      return;
    }
    add_document(catalog, *chunker, chunker_description, writer, summary, warn, path, format,
                 std::move(bytes));
    return;
  };

  for (const FoundFile& file : walk.files) {
    ingest_file(file);
    ++progress.files_done;
    progress.chunks = summary.chunks + writer.pending_chunks();
    progress.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (callbacks.on_progress) callbacks.on_progress(progress);
  }
  writer.flush();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

IngestSummary ingest_document(store::Catalog& catalog, const std::string& name, std::string bytes,
                              const IngestOptions& options, const IngestCallbacks& callbacks) {
  const auto start = std::chrono::steady_clock::now();
  const std::unique_ptr<text::Chunker> chunker = text::make_chunker(options.chunker, options.chunker_models);
  const std::string chunker_description = chunker->describe();
  IngestSummary summary;
  auto warn = [&](const std::string& message) {
    if (callbacks.on_warning) callbacks.on_warning(message);
  };
  BatchWriter writer(catalog, options, chunker_description, summary);
  summary.bytes = bytes.size();
  if (bytes.empty()) {
    warn(name + ": skipped: empty input");
    ++summary.skipped;
  } else {
    FileBytes file;
    file.bytes = std::move(bytes);
    add_document(catalog, *chunker, chunker_description, writer, summary, warn, name, format_of(name),
                 std::move(file));
  }
  writer.flush();
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace chunkwise::ingest
