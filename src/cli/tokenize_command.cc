#include "cli/commands.h"

namespace chunkwise::cli {

void add_tokenize_command(CLI::App& app, CommandRunner& run) {
  auto* cmd = app.add_subcommand("tokenize", "Encode or decode text with a Hugging Face tokenizer");
  cmd->callback([&run] { run = [] { return 0; }; });
}

}  // namespace chunkwise::cli
