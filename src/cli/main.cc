// chunkwise: one binary, one subcommand per stage of the pipeline.
#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.h"
#include "common/error.h"

namespace {

int exit_code(chunkwise::ErrorKind kind) {
  switch (kind) {
    case chunkwise::ErrorKind::invalid_input:
    case chunkwise::ErrorKind::not_found:
    case chunkwise::ErrorKind::unsupported:
      return 2;
    case chunkwise::ErrorKind::io:
    case chunkwise::ErrorKind::internal:
      return 1;
  }
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"chunkwise: documents to chunks to answers, in one engine", "chunkwise"};
  app.set_version_flag("--version", std::string("chunkwise ") + CHUNKWISE_VERSION);
  app.require_subcommand(1);
  app.fallthrough(false);

  chunkwise::cli::CommandRunner run;
  chunkwise::cli::add_tokenize_command(app, run);
  chunkwise::cli::add_inspect_command(app, run);
  chunkwise::cli::add_embed_command(app, run);
  chunkwise::cli::add_generate_command(app, run);
  chunkwise::cli::add_ingest_command(app, run);
  chunkwise::cli::add_search_command(app, run);
  chunkwise::cli::add_rm_command(app, run);
  chunkwise::cli::add_chunk_command(app, run);
  chunkwise::cli::add_embed_index_command(app, run);
  chunkwise::cli::add_serve_command(app, run);
  chunkwise::cli::add_ask_command(app, run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version print and exit 0; bad usage prints one line and exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }
  try {
    return run ? run() : 0;
  } catch (const chunkwise::Error& e) {
    std::fprintf(stderr, "chunkwise: error: %s\n", e.what());
    return exit_code(e.kind());
  } catch (const std::bad_alloc&) {
    std::fprintf(stderr, "chunkwise: error: out of memory\n");
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chunkwise: internal error: %s\n", e.what());
    return 1;
  }
}
