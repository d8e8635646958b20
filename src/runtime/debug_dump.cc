#include "runtime/debug_dump.h"

#include <fmt/format.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <string>

namespace chunkwise::runtime {

namespace {

struct DumpState {
  std::mutex mutex;
  std::string dir;
  std::map<std::string, std::string> entries;  // name -> its JSON object in the index
};

DumpState& dump_state() {
  static DumpState* state = [] {
    auto* s = new DumpState;  // never destroyed: ops may run during static destruction
    if (const char* dir = std::getenv("CHUNKWISE_DUMP_DIR")) s->dir = dir;
    return s;
  }();
  return *state;
}

std::string json_string(std::string_view text) {
  std::string quoted = "\"";
  for (char c : text) {
    if (c == '"' || c == '\\') quoted += '\\';
    if (static_cast<unsigned char>(c) < 0x20) {
      quoted += fmt::format("\\u{:04x}", int(c));
      continue;
    }
    quoted += c;
  }
  return quoted + "\"";
}

void write_bytes(const std::string& path, const void* data, size_t bytes) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(static_cast<const char*>(data), std::streamsize(bytes));
  if (!out) fail(ErrorKind::io, "debug dump: cannot write {}", path);
}

}  // namespace

bool debug_dump_enabled() {
  DumpState& state = dump_state();
  std::lock_guard lock(state.mutex);
  return !state.dir.empty();
}

void set_debug_dump_dir(const std::string& dir) {
  DumpState& state = dump_state();
  std::lock_guard lock(state.mutex);
  state.dir = dir;
  state.entries.clear();
}

void debug_dump(std::string_view name, const Tensor& tensor) {
  if (name.empty() || !debug_dump_enabled()) return;
  DumpState& state = dump_state();
  std::vector<float> values;
  if (tensor.dtype() == DType::i32) {
    for (int32_t v : to_host_ints(tensor)) values.push_back(float(v));
  } else {
    values = to_host_floats(tensor);
  }
  std::string file = std::string(name) + ".f32";
  std::lock_guard lock(state.mutex);
  if (state.dir.empty()) return;
  for (char& c : file)
    if (c == '/' || c == '\\') c = '_';
  write_bytes(state.dir + "/" + file, values.data(), values.size() * sizeof(float));
  state.entries[std::string(name)] =
      fmt::format(R"({{"name": {}, "file": {}, "shape": [{}]}})", json_string(name), json_string(file),
                  fmt::join(tensor.shape(), ", "));
  std::string text = "[\n";
  for (auto& [_, entry] : state.entries) text += (text.size() > 2 ? ",\n " : " ") + entry;
  text += "\n]\n";
  write_bytes(state.dir + "/index.json", text.data(), text.size());
}

}  // namespace chunkwise::runtime
