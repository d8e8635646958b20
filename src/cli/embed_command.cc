// chunkwise embed: JSONL in, JSONL out: one embedding per input text, for dense retrieval.
//   {"text": "..."}   -> {"embedding": [...]}      (default)
//   plain text lines  -> {"embedding": [...]}      (--lines)
// Pooling defaults to the model's (sentence-transformers' 1_Pooling/config.json, else mean for encoders and
// last-token for decoders without an LM head; see model/embedder.h); embeddings are L2-normalized unless
// --no-normalize. Floats are printed in their shortest form that reads back to the same float.
#include <fmt/format.h>

#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/jsonl_input.h"
#include "common/error.h"
#include "model/embedder.h"
#include "runtime/thread_pool.h"

namespace chunkwise::cli {
namespace {

struct EmbedOptions {
  std::string model_path;
  std::optional<std::string> pooling;
  bool no_normalize = false;
  bool truncate = false;
  bool lines = false;
  size_t batch = 32;
  int threads = 0;
};

void print_embedding(const std::vector<float>& embedding, size_t line_number) {
  std::string out = "{\"embedding\":[";
  for (size_t i = 0; i < embedding.size(); ++i) {
    if (!std::isfinite(embedding[i]))
      fail(ErrorKind::internal, "stdin line {}: the model produced a non-finite value ({})", line_number,
           embedding[i]);
    if (i) out += ',';
    fmt::format_to(std::back_inserter(out), "{}", embedding[i]);
  }
  out += "]}\n";
  std::cout << out;
}

// Embeds stdin in batches of --batch texts (one forward pass each); output order is input order.
void embed_stream(const model::Embedder& embedder, const EmbedOptions& opt) {
  std::vector<std::vector<int32_t>> batch;
  std::vector<size_t> batch_lines;
  auto flush = [&] {
    if (batch.empty()) return;
    const auto embeddings =
        with_context(fmt::format("stdin lines {}-{}", batch_lines.front(), batch_lines.back()),
                     [&] { return embedder.embed_tokens(batch); });
    for (size_t i = 0; i < embeddings.size(); ++i) print_embedding(embeddings[i], batch_lines[i]);
    batch.clear();
    batch_lines.clear();
  };
  std::string line;
  size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    std::string text;
    if (opt.lines) {
      text = std::move(line);
    } else {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      text = text_field(parse_jsonl_object(line, line_number), line_number);
    }
    batch.push_back(
        with_context(fmt::format("stdin line {}", line_number), [&] { return embedder.tokenize(text); }));
    batch_lines.push_back(line_number);
    if (batch.size() >= opt.batch) flush();
  }
  flush();
}

}  // namespace

void add_embed_command(CLI::App& app, CommandRunner& run) {
  auto opt = std::make_shared<EmbedOptions>();
  auto* cmd = app.add_subcommand("embed", "Embed texts with an embedding model (JSONL on stdin and stdout)");
  cmd->footer(
      "Input, one per line on stdin:\n"
      "  default     {\"text\": \"...\"}   -> {\"embedding\": [...]}\n"
      "  --lines     plain text lines     -> {\"embedding\": [...]}\n"
      "Models: BERT-style encoders (BertModel, XLMRobertaModel; mean pooling unless the directory's\n"
      "1_Pooling/config.json says otherwise) and decoders saved without an LM head (Qwen3Model, ...; "
      "last-token\n"
      "pooling). A causal language model (*ForCausalLM) is refused unless --pooling is given.\n"
      "Texts longer than the model's limit (max_position_embeddings, or sentence_bert_config.json's\n"
      "max_seq_length) are an error unless --truncate.\n"
      "Example:\n"
      "  echo '{\"text\": \"Hello world\"}' | chunkwise embed --model path/to/bge-small-en-v1.5");
  cmd->add_option("-m,--model", opt->model_path, "model directory (config.json, safetensors, tokenizer.json)")
      ->required();
  cmd->add_option("--pooling", opt->pooling, "mean, cls or last (default: the model's)")
      ->check(CLI::IsMember({"mean", "cls", "last"}));
  cmd->add_flag("--no-normalize", opt->no_normalize, "do not L2-normalize the embeddings");
  cmd->add_flag("--truncate", opt->truncate, "cut texts longer than the model's limit instead of failing");
  cmd->add_flag("--lines", opt->lines, "stdin is plain text, one input per line");
  cmd->add_option("--batch", opt->batch, "texts per forward pass")
      ->check(CLI::Range(size_t{1}, size_t{1} << 20))
      ->capture_default_str();
  cmd->add_option("--threads", opt->threads, "compute threads (0: all cores)")
      ->check(CLI::Range(0, 4096))
      ->capture_default_str();
  cmd->callback([&run, opt] {
    run = [opt] {
      if (opt->threads > 0) runtime::set_cpu_thread_count(opt->threads);
      model::EmbedderOptions options;
      if (opt->pooling) options.pooling = model::parse_pooling(*opt->pooling);
      options.normalize = !opt->no_normalize;
      options.truncate = opt->truncate;
      const model::Embedder embedder = model::Embedder::load(opt->model_path, options);
      std::ios::sync_with_stdio(false);
      embed_stream(embedder, *opt);
      std::cout.flush();
      if (!std::cout) fail(ErrorKind::io, "writing to stdout failed");
      return 0;
    };
  });
}

}  // namespace chunkwise::cli
