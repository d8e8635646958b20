// `chunkwise ask "question" --db FILE --model DIR`: retrieval-augmented generation in one command. BM25 finds
// candidate chunks, a selector picks the context (top-k, mmr, sage, meteora, corag; optional token budget),
// the chunks become numbered sources in a grounded chat (rag/grounded_prompt.h) rendered with the model's
// chat template, the answer streams to stdout, and the sources follow with the ones the answer cites ([n])
// marked. --json prints one object instead.
#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "generate/generator.h"
#include "model/decoder_model.h"
#include "rag/grounded_prompt.h"
#include "retrieve/bm25.h"
#include "retrieve/search.h"
#include "retrieve/selector.h"
#include "runtime/thread_pool.h"
#include "store/catalog.h"
#include "text/jinja/chat_template.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::cli {
namespace {

struct AskOptions {
  std::string question;
  std::string db;
  std::string model_path;
  std::string select = "top-k";
  size_t top_k = 5;
  size_t candidates = 0;
  size_t budget = 0;
  bool budget_set = false;
  std::vector<std::string> path_globs;
  std::vector<std::string> tags;
  int64_t max_tokens = 256;
  float temperature = 0;
  bool json = false;
  int threads = 0;
};

std::string source_label(const retrieve::SearchHit& hit) {
  std::string label = hit.path + ":" +
                      (hit.line_begin == hit.line_end ? std::to_string(hit.line_begin)
                                                      : fmt::format("{}-{}", hit.line_begin, hit.line_end));
  if (hit.page > 0) label += fmt::format(" (page {})", hit.page);
  std::string headings;
  for (const std::string& h : hit.headings) headings += (headings.empty() ? "" : " > ") + h;
  if (!headings.empty()) label += "  " + headings;
  return label;
}

std::vector<retrieve::SearchHit> retrieve_context(const AskOptions& options) {
  store::Catalog catalog(options.db, {.read_only = true});
  store::ReadTransaction snapshot(catalog.database());
  retrieve::SearchRequest request;
  request.query = options.question;
  request.mode = retrieve::SearchMode::bm25;
  request.candidates =
      std::max(options.top_k,
               options.candidates ? options.candidates : (options.select == "top-k" ? options.top_k : 50));
  request.filter.path_globs = options.path_globs;
  request.filter.tags = options.tags;
  retrieve::SelectionLimits limits;
  limits.top_k = options.top_k;
  if (options.budget_set) limits.token_budget = options.budget;
  return retrieve::make_catalog_selector(catalog, options.select, {})
      ->select(retrieve::ranked_candidates(catalog, request, nullptr), limits);
}

int run_ask(const AskOptions& options) {
  if (options.top_k == 0) fail(ErrorKind::invalid_input, "--top-k must be at least 1");
  if (options.max_tokens < 1) fail(ErrorKind::invalid_input, "--max-tokens must be at least 1");
  retrieve::fts5_query(options.question);       // an empty question fails before anything is loaded
  retrieve::make_selector(options.select, {});  // a bad name fails early
  if (options.threads > 0) runtime::set_cpu_thread_count(options.threads);

  std::vector<retrieve::SearchHit> hits = retrieve_context(options);
  const model::DecoderModel model = model::DecoderModel::load(options.model_path);
  const text::Tokenizer tokenizer = text::Tokenizer::load(options.model_path);
  if (!tokenizer.config().chat_template)
    fail(ErrorKind::invalid_input,
         "{}: the model has no chat template (looked in tokenizer_config.json and "
         "chat_template.jinja)",
         options.model_path);
  const text::jinja::ChatTemplate chat_template(*tokenizer.config().chat_template);
  const generate::Generator generator(model, tokenizer);
  const int64_t max_prompt = generator.max_model_len() - options.max_tokens;
  if (max_prompt < 1)
    fail(ErrorKind::invalid_input, "--max-tokens {} leaves no room for a prompt in the model's {} tokens",
         options.max_tokens, generator.max_model_len());
  if (hits.empty())
    std::fprintf(stderr, "chunkwise: warning: no chunk matches the question; answering without sources\n");
  const rag::GroundedPrompt prompt =
      rag::build_grounded_prompt(tokenizer, chat_template, options.question, std::move(hits), max_prompt);
  if (prompt.dropped > 0)
    std::fprintf(stderr, "chunkwise: warning: %zu sources left out to fit the model's context\n",
                 prompt.dropped);

  generate::GenerationRequest request;
  request.prompt = prompt.ids;
  request.sampling = generate::default_sampling_params(model);
  request.sampling.temperature = options.temperature;
  request.stop.stop_token_ids = generate::default_stop_token_ids(model);
  request.stop.max_tokens = options.max_tokens;
  const bool stream = !options.json;
  const generate::GenerationResult result =
      generator.generate(request, [&](const generate::GeneratedToken& token) {
        if (!stream || token.text.empty()) return;
        std::fwrite(token.text.data(), 1, token.text.size(), stdout);
        std::fflush(stdout);
      });
  const std::vector<int> cited = rag::cited_sources(result.text, prompt.sources.size());
  auto is_cited = [&](size_t number) { return std::ranges::find(cited, int(number)) != cited.end(); };

  if (options.json) {
    nlohmann::json sources = nlohmann::json::array();
    for (size_t i = 0; i < prompt.sources.size(); ++i) {
      const retrieve::SearchHit& hit = prompt.sources[i];
      sources.push_back({{"number", i + 1},
                         {"cited", is_cited(i + 1)},
                         {"path", hit.path},
                         {"line_begin", hit.line_begin},
                         {"line_end", hit.line_end},
                         {"byte_begin", hit.byte_begin},
                         {"byte_end", hit.byte_end},
                         {"page", hit.page},
                         {"headings", hit.headings},
                         {"chunk_id", hit.chunk_id},
                         {"document_id", hit.document_id},
                         {"score", hit.score},
                         {"text", hit.text}});
    }
    const nlohmann::json out = {
        {"question", options.question},
        {"answer", result.text},
        {"finish_reason", generate::to_string(result.finish_reason)},
        {"citations", cited},
        {"sources", sources},
        {"usage",
         {{"prompt_tokens", result.prompt_tokens}, {"completion_tokens", result.completion_tokens}}}};
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::string footer = "\n\nSources:\n";
  for (size_t i = 0; i < prompt.sources.size(); ++i)
    footer += fmt::format("[{}]{} {}\n", i + 1, is_cited(i + 1) ? "*" : " ", source_label(prompt.sources[i]));
  if (prompt.sources.empty())
    footer += "(none)\n";
  else
    footer += "(* cited in the answer)\n";
  std::fwrite(footer.data(), 1, footer.size(), stdout);
  return 0;
}

}  // namespace

void add_ask_command(CLI::App& app, CommandRunner& run) {
  auto options = std::make_shared<AskOptions>();
  auto* cmd = app.add_subcommand("ask", "Answer a question from the catalog's documents, with citations");
  cmd->add_option("question", options->question, "The question")->required();
  cmd->add_option("--db", options->db, "Catalog file made by chunkwise ingest")->required();
  cmd->add_option("--model", options->model_path, "Model directory (a chat model with a chat template)")
      ->required();
  cmd->add_option("--select", options->select,
                  std::string("Selector: ") + std::string(retrieve::kSelectorNames))
      ->capture_default_str();
  cmd->add_option("--top-k", options->top_k, "How many chunks at most go into the prompt")
      ->capture_default_str();
  auto* budget =
      cmd->add_option("--budget", options->budget, "Token budget for the sources (their token counts)");
  cmd->add_option("--candidates", options->candidates,
                  "How many ranked chunks the selector chooses from (default: top-k for top-k, else 50)");
  cmd->add_option("--path", options->path_globs, "Only documents whose path matches this glob (repeatable)");
  cmd->add_option("--tag", options->tags, "Only documents with this tag (repeatable)");
  cmd->add_option("--max-tokens", options->max_tokens, "Longest answer, in tokens")->capture_default_str();
  cmd->add_option("--temperature", options->temperature, "0: greedy")->capture_default_str();
  cmd->add_option("--threads", options->threads, "CPU threads (0: CHUNKWISE_THREADS or all cores)");
  cmd->add_flag("--json", options->json, "Print one JSON object: answer, citations, sources, usage");
  cmd->callback([&run, options, budget] {
    options->budget_set = budget->count() > 0;
    run = [options] { return run_ask(*options); };
  });
}

}  // namespace chunkwise::cli
