#include "ingest/text_file.h"

#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>

#include "common/error.h"
#include "common/file.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::ingest {

size_t count_replacement_characters(std::string_view text) {
  size_t n = 0;
  for (size_t at = text.find("\xEF\xBF\xBD"); at != std::string_view::npos;
       at = text.find("\xEF\xBF\xBD", at + 3))
    ++n;
  return n;
}

FileFormat format_of(const std::filesystem::path& path) {
  auto lowered_extension = [](const std::filesystem::path& p) {
    std::string extension = p.extension().string();
    std::transform(extension.begin(), extension.end(), extension.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return extension;
  };
  FileFormat format;
  std::filesystem::path name = path.filename();
  if (lowered_extension(name) == ".gz") {
    format.gzip = true;
    name = name.stem();
  }
  const std::string extension = lowered_extension(name);
  if (extension == ".md" || extension == ".markdown" || extension == ".mdown" || extension == ".mkd")
    format.format = Format::markdown;
  else if (extension == ".html" || extension == ".htm" || extension == ".xhtml")
    format.format = Format::html;
  else if (extension == ".pdf")
    format.format = Format::pdf;
  return format;
}

DecodedText decode_text(std::string bytes) {
  DecodedText decoded;
  if (std::string_view(bytes).substr(0, 8192).find('\0') != std::string_view::npos) {
    decoded.binary = true;
    return decoded;
  }
  std::string repaired;
  if (!text::replace_invalid_utf8(bytes, repaired)) {
    decoded.text = std::move(bytes);
    return decoded;
  }
  // Every U+FFFD already in the input is a valid sequence and survives as it was, so the difference in
  // counts is the number of replacements.
  decoded.replaced = count_replacement_characters(repaired) - count_replacement_characters(bytes);
  if (decoded.replaced * 10 > bytes.size()) {
    decoded.binary = true;
    return decoded;
  }
  decoded.text = std::move(repaired);
  return decoded;
}

FileBytes read_file_bytes(const std::filesystem::path& path) {
  FileBytes file;
  struct stat info {};
  if (::stat(path.c_str(), &info) != 0) {
    fail(errno == ENOENT ? ErrorKind::not_found : ErrorKind::io, "{}: {}", path.string(),
         std::strerror(errno));
  }
  file.mtime_ns = static_cast<int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  file.bytes = read_file(path);
  return file;
}

}  // namespace chunkwise::ingest
