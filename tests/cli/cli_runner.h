// Runs the chunkwise binary the way a user does: arguments, stdin, and the captured stdout, stderr and exit
// code.
#pragma once

#include <string>

namespace chunkwise::testing {

struct CliResult {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// `args` is passed to /bin/sh after the binary's path, so quote as in a shell.
CliResult run_chunkwise(const std::string& args, const std::string& stdin_text = "");

}  // namespace chunkwise::testing
