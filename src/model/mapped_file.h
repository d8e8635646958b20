// A read-only memory mapping of a whole file (weights are never copied into the heap).
#pragma once

#include <cstddef>
#include <filesystem>
#include <span>

namespace chunkwise::model {

class MappedFile {
 public:
  // Throws Error(not_found) if the file does not exist, Error(io) if it cannot be opened or mapped.
  explicit MappedFile(const std::filesystem::path& path);
  ~MappedFile();
  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace chunkwise::model
