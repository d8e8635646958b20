// Each subcommand lives in its own file and registers itself on the root app; running it returns the exit
// code.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>

namespace chunkwise::cli {

using CommandRunner = std::function<int()>;

// Adds the subcommand to `app`; `run` is set to the command's body, called by main() if the command was
// chosen.
void add_tokenize_command(CLI::App& app, CommandRunner& run);
void add_inspect_command(CLI::App& app, CommandRunner& run);
void add_embed_command(CLI::App& app, CommandRunner& run);
void add_generate_command(CLI::App& app, CommandRunner& run);
void add_ingest_command(CLI::App& app, CommandRunner& run);
void add_search_command(CLI::App& app, CommandRunner& run);
void add_rm_command(CLI::App& app, CommandRunner& run);
void add_chunk_command(CLI::App& app, CommandRunner& run);
void add_embed_index_command(CLI::App& app, CommandRunner& run);
void add_serve_command(CLI::App& app, CommandRunner& run);
void add_ask_command(CLI::App& app, CommandRunner& run);

}  // namespace chunkwise::cli
