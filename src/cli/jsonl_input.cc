#include "cli/jsonl_input.h"

namespace chunkwise::cli {

std::string text_field(const nlohmann::json& object, size_t line_number) {
  const auto it = object.find("text");
  if (it == object.end() || !it->is_string())
    fail(ErrorKind::invalid_input, "stdin line {}: expected {{\"text\": string}}", line_number);
  return it->get<std::string>();
}

}  // namespace chunkwise::cli
