// `chunkwise rm PATH --db FILE`: removes a document (or every document under a directory) and its chunks.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "common/error.h"
#include "ingest/file_walk.h"
#include "store/catalog.h"

namespace chunkwise::cli {
namespace {

struct RmOptions {
  std::string path;
  std::string db;
};

int run_rm(const RmOptions& options) {
  store::Catalog catalog(options.db);
  const std::string path = ingest::catalog_path(options.path).string();
  const size_t removed = catalog.remove_documents(path);
  if (removed == 0) fail(ErrorKind::not_found, "{}: not in the catalog {}", path, options.db);
  std::printf("removed %zu document%s\n", removed, removed == 1 ? "" : "s");
  return 0;
}

}  // namespace

void add_rm_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<RmOptions>();
  auto* cmd =
      app.add_subcommand("rm", "Remove a document, or all documents under a directory, from a catalog");
  cmd->add_option("path", options->path, "The file or directory as it was ingested")->required();
  cmd->add_option("--db", options->db, "Catalog file")->required();
  cmd->callback([&run, options] { run = [options] { return run_rm(*options); }; });
}

}  // namespace chunkwise::cli
