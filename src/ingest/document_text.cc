#include "ingest/document_text.h"

#include <zlib.h>

#include "common/error.h"
#include "ingest/html_document.h"
#include "ingest/pdf_document.h"
#include "text/chunk/markdown_structure.h"

namespace chunkwise::ingest {

namespace {

constexpr size_t kMaxDecompressedBytes = size_t(4) << 30;

}  // namespace

std::string gunzip(std::string_view bytes, size_t max_bytes) {
  z_stream stream{};
  if (inflateInit2(&stream, 15 + 32) != Z_OK) fail(ErrorKind::internal, "zlib: inflateInit2 failed");
  std::string out;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data()));
  stream.avail_in = uInt(std::min<size_t>(bytes.size(), UINT32_MAX));
  size_t consumed_before = 0;
  char buffer[1 << 16];
  int status = Z_OK;
  while (true) {
    stream.next_out = reinterpret_cast<Bytef*>(buffer);
    stream.avail_out = sizeof(buffer);
    status = inflate(&stream, Z_NO_FLUSH);
    if (status != Z_OK && status != Z_STREAM_END) break;
    out.append(buffer, sizeof(buffer) - stream.avail_out);
    if (out.size() > max_bytes) {
      inflateEnd(&stream);
      fail(ErrorKind::invalid_input, "compressed data expands to more than {} bytes", max_bytes);
    }
    if (status == Z_STREAM_END) {
      // Another gzip member may follow (as `cat a.gz b.gz` makes).
      const size_t consumed =
          consumed_before + (stream.next_in - reinterpret_cast<const Bytef*>(bytes.data() + consumed_before));
      if (consumed >= bytes.size()) break;
      consumed_before = consumed;
      inflateReset(&stream);
      stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(bytes.data() + consumed));
      stream.avail_in = uInt(std::min<size_t>(bytes.size() - consumed, UINT32_MAX));
      continue;
    }
    if (stream.avail_in == 0 && stream.avail_out != 0) {
      status = Z_BUF_ERROR;  // input ended inside a stream
      break;
    }
  }
  const std::string message = stream.msg ? stream.msg : "";
  inflateEnd(&stream);
  if (status != Z_STREAM_END)
    fail(ErrorKind::invalid_input, "corrupt or truncated compressed data{}{}", message.empty() ? "" : ": ",
         message);
  return out;
}

ExtractedDocument extract_document(const FileFormat& format, std::string bytes) {
  if (format.gzip) bytes = gunzip(bytes, kMaxDecompressedBytes);
  ExtractedDocument document;
  if (format.format == Format::pdf) return extract_pdf(bytes);
  DecodedText decoded = decode_text(std::move(bytes));
  if (decoded.binary) {
    document.binary = true;
    return document;
  }
  if (format.format == Format::html) {
    document = extract_html(decoded.text);
    document.replaced = decoded.replaced;
    return document;
  }
  document.replaced = decoded.replaced;
  document.text = std::move(decoded.text);
  if (format.format == Format::markdown) document.structure = text::markdown_structure(document.text);
  return document;
}

}  // namespace chunkwise::ingest
