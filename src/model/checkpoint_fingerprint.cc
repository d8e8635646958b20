#include "model/checkpoint_fingerprint.h"

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <iterator>
#include <vector>

#include "common/error.h"

namespace chunkwise::model {

namespace fs = std::filesystem;

namespace {

std::string read_range(std::ifstream& in, uint64_t offset, size_t size) {
  std::string bytes(size, '\0');
  in.clear();
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(size));
  bytes.resize(static_cast<size_t>(std::max<std::streamsize>(in.gcount(), 0)));
  return bytes;
}

void add_safetensors(FingerprintHash& hash, const fs::path& file) {
  std::error_code ec;
  const uint64_t size = fs::file_size(file, ec);
  if (ec) fail(ErrorKind::io, "{}: cannot read its size", file.string());
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(ErrorKind::io, "{}: cannot open", file.string());
  hash.add_field("file", file.filename().string());
  hash.add_field("size", std::to_string(size));
  const std::string length_bytes = read_range(in, 0, 8);
  uint64_t header_size = 0;
  if (length_bytes.size() == 8) std::memcpy(&header_size, length_bytes.data(), 8);
  header_size = std::min<uint64_t>(header_size, std::min<uint64_t>(size, 100u << 20));
  hash.add_field("header", read_range(in, 8, static_cast<size_t>(header_size)));
  const uint64_t data_begin = 8 + header_size;
  if (size <= data_begin) return;
  constexpr size_t kSamples = 16, kSample = 4096;
  const uint64_t data = size - data_begin;
  for (size_t i = 0; i < kSamples; ++i)
    hash.add_field("sample", read_range(in, data_begin + data * i / kSamples, kSample));
}

}  // namespace

void FingerprintHash::add(std::string_view bytes) {
  for (const char c : bytes) hash_ = (hash_ ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
}

void FingerprintHash::add_field(std::string_view name, std::string_view bytes) {
  add(name);
  add(fmt::format(":{}:", bytes.size()));
  add(bytes);
}

std::string FingerprintHash::hex() const {
  return fmt::format("{:016x}", hash_);
}

void add_checkpoint_contents(FingerprintHash& hash, const fs::path& dir) {
  for (const char* name : {"config.json", "tokenizer.json", "tokenizer_config.json", "1_Pooling/config.json",
                           "sentence_bert_config.json"}) {
    std::ifstream in(dir / name, std::ios::binary);
    if (!in) continue;
    hash.add_field(name, std::string(std::istreambuf_iterator<char>(in), {}));
  }
  std::vector<fs::path> weights;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
    if (it->path().extension() == ".safetensors") weights.push_back(it->path());
  std::sort(weights.begin(), weights.end());
  for (const fs::path& file : weights) add_safetensors(hash, file);
}

std::string checkpoint_fingerprint(const fs::path& dir) {
  FingerprintHash hash;
  add_checkpoint_contents(hash, dir);
  return hash.hex();
}

}  // namespace chunkwise::model
