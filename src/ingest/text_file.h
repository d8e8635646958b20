// Reading a file as text: its format from the extension, binary detection, and UTF-8 validation with
// invalid sequences replaced by U+FFFD (offsets of chunks then point into the repaired text).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

namespace chunkwise::ingest {

enum class Format { text, markdown, html, pdf };

struct FileFormat {
  Format format = Format::text;
  bool gzip = false;  // the file is gzip-compressed (.gz); `format` is that of the name without .gz
};

// .md/.markdown/.mdown/.mkd: markdown; .html/.htm/.xhtml: html; .pdf: pdf; anything else: text. A trailing
// .gz is set aside first (README.md.gz: gzip-compressed Markdown).
FileFormat format_of(const std::filesystem::path& path);

struct DecodedText {
  std::string text;     // valid UTF-8
  size_t replaced = 0;  // invalid sequences replaced by U+FFFD
  bool binary = false;  // a NUL byte in the first 8 KiB, or more than 10% invalid sequences; `text` is empty
};

DecodedText decode_text(std::string bytes);

// How many U+FFFD characters `text` holds.
size_t count_replacement_characters(std::string_view text);

// The file's bytes, size and modification time. Throws Error(not_found) or Error(io) naming the path.
struct FileBytes {
  std::string bytes;
  int64_t mtime_ns = 0;
};
FileBytes read_file_bytes(const std::filesystem::path& path);

}  // namespace chunkwise::ingest
