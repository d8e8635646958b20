// `chunkwise inspect --model DIR [--json]`: loads and checks a model directory without running it, and
// reports architecture, sizes, RoPE settings, parameter count, dtypes and the memory the model needs.
#include <cstdio>
#include <memory>
#include <string>

#include "cli/commands.h"
#include "model/model_directory.h"
#include "model/model_summary.h"

namespace chunkwise::cli {

namespace {

struct InspectOptions {
  std::string model_dir;
  bool json = false;
};

int run_inspect(const InspectOptions& options) {
  const model::ModelDirectory model = model::open_model_directory(options.model_dir);
  const model::ModelSummary summary = model::summarize(model);
  const std::string text = options.json ? model::summary_json(model, summary).dump(2) + "\n"
                                        : model::format_summary(model, summary);
  std::fwrite(text.data(), 1, text.size(), stdout);
  return 0;
}

}  // namespace

void add_inspect_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<InspectOptions>();
  auto* cmd =
      app.add_subcommand("inspect", "Check a Hugging Face model directory and report its size and shape");
  cmd->add_option("--model", options->model_dir, "Model directory (config.json + safetensors)")->required();
  cmd->add_flag("--json", options->json, "Print the report as JSON");
  cmd->callback([&run, options] { run = [options] { return run_inspect(*options); }; });
}

}  // namespace chunkwise::cli
