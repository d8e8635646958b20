#include "cli_runner.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "support/temp_dir.h"

namespace chunkwise::testing {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

CliResult run_chunkwise(const std::string& args, const std::string& stdin_text) {
  const TempDir temp("chunkwise-cli");
  const std::filesystem::path& dir = temp.path();
  std::ofstream(dir / "in", std::ios::binary) << stdin_text;
  const std::string command = std::string("cd '") + CHUNKWISE_SOURCE_DIR + "' && '" + CHUNKWISE_BINARY +
                              "' " + args + " < '" + (dir / "in").string() + "' > '" +
                              (dir / "out").string() + "' 2> '" + (dir / "err").string() + "'";
  const int status = std::system(command.c_str());
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(dir / "out");
  result.err = slurp(dir / "err");
  return result;
}

}  // namespace chunkwise::testing
