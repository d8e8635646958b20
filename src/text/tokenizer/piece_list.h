// A list of text pieces stored back to back in one buffer: what pre-tokenizers pass along and the model
// encodes piece by piece. No allocation per piece.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace chunkwise::text {

class PieceList {
 public:
  void clear() {
    buffer_.clear();
    ends_.clear();
  }
  void add(std::string_view piece) {
    if (piece.empty()) return;
    buffer_.append(piece);
    ends_.push_back(static_cast<uint32_t>(buffer_.size()));
  }
  // Appends bytes to the piece being built; finish_piece() closes it (an empty piece is dropped).
  void append(std::string_view bytes) { buffer_.append(bytes); }
  void finish_piece() {
    const uint32_t start = ends_.empty() ? 0 : ends_.back();
    if (buffer_.size() > start) ends_.push_back(static_cast<uint32_t>(buffer_.size()));
  }

  // Whether piece 0 begins at the very start of the encoded input (Metaspace's prepend_scheme "first" needs
  // it).
  bool first_starts_input() const { return first_starts_input_; }
  void set_first_starts_input(bool value) { first_starts_input_ = value; }

  size_t size() const { return ends_.size(); }
  bool empty() const { return ends_.empty(); }
  std::string_view operator[](size_t i) const {
    const uint32_t start = i == 0 ? 0 : ends_[i - 1];
    return std::string_view(buffer_).substr(start, ends_[i] - start);
  }

 private:
  std::string buffer_;
  std::vector<uint32_t> ends_;
  bool first_starts_input_ = false;
};

}  // namespace chunkwise::text
