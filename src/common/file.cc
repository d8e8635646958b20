#include "common/file.h"

#include <cerrno>
#include <cstring>
#include <fstream>

#include "common/error.h"

namespace chunkwise {

std::string read_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) fail(ErrorKind::not_found, "{}: no such file", path.string());
  if (std::filesystem::is_directory(path, ec)) fail(ErrorKind::invalid_input, "{}: is a directory", path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::io, "{}: cannot open: {}", path.string(), std::strerror(errno));
  std::string data;
  in.seekg(0, std::ios::end);
  const auto size = in.tellg();
  if (size > 0) {
    data.resize(static_cast<size_t>(size));
    in.seekg(0);
    in.read(data.data(), size);
  }
  if (!in) fail(ErrorKind::io, "{}: read failed", path.string());
  return data;
}

}  // namespace chunkwise
