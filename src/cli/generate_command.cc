// chunkwise generate: one completion from a local decoder model, streamed to stdout as it is generated, or
// one JSON object with --json. The prompt is text, token ids or chat messages rendered with the model's chat
// template.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "common/error.h"
#include "generate/generator.h"
#include "model/decoder_model.h"
#include "runtime/ops/linear.h"
#include "runtime/thread_pool.h"
#include "text/jinja/chat_template.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::cli {
namespace {

// Without --max-tokens: this many, or what is left of the context if that is less.
constexpr int64_t kDefaultMaxTokens = 256;

struct GenerateOptions {
  std::string model_path;
  std::optional<std::string> prompt;
  std::optional<std::string> prompt_ids;
  std::optional<std::string> chat;
  std::optional<int64_t> max_tokens;
  std::optional<float> temperature;
  std::optional<int> top_k;
  std::optional<float> top_p;
  std::optional<float> min_p;
  std::optional<float> repetition_penalty;
  std::optional<float> presence_penalty;
  std::optional<float> frequency_penalty;
  std::optional<uint64_t> seed;
  std::vector<std::string> stop;
  bool ignore_eos = false;
  bool keep_special_tokens = false;
  std::optional<int> logprobs;
  bool json = false;
  bool verbose = false;
  int threads = 0;
  std::string matmul_precision = "f32";
};

std::vector<int32_t> parse_prompt_ids(const std::string& list) {
  std::vector<int32_t> ids;
  size_t begin = 0;
  while (begin <= list.size()) {
    size_t end = list.find(',', begin);
    if (end == std::string::npos) end = list.size();
    std::string_view item(list.data() + begin, end - begin);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    int64_t id = 0;
    const auto [ptr, ec] = std::from_chars(item.data(), item.data() + item.size(), id);
    if (item.empty() || ec != std::errc() || ptr != item.data() + item.size() || id < INT32_MIN ||
        id > INT32_MAX)
      fail(ErrorKind::invalid_input, "--prompt-ids: '{}' is not a token id (expected e.g. 1,2,3)", item);
    ids.push_back(int32_t(id));
    begin = end + 1;
  }
  return ids;
}

std::string read_chat_file(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), {});
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::not_found, "--chat: cannot read {}", path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// {"messages": [...], "tools": [...]?, "add_generation_prompt": bool?, other template variables...} or a bare
// list of messages, rendered with the model's chat template and encoded as transformers'
// apply_chat_template(tokenize=True) does.
std::vector<int32_t> chat_prompt(const text::Tokenizer& tok, const GenerateOptions& opt) {
  const std::string source = opt.chat == "-" ? "stdin" : *opt.chat;
  nlohmann::ordered_json request;
  try {
    request = nlohmann::ordered_json::parse(read_chat_file(*opt.chat));
  } catch (const nlohmann::json::parse_error& e) {
    fail(ErrorKind::invalid_input, "--chat {}: invalid JSON: {}", source, e.what());
  }
  if (request.is_array()) request = nlohmann::ordered_json{{"messages", std::move(request)}};
  auto messages = request.is_object() ? request.find("messages") : request.end();
  if (!request.is_object() || messages == request.end() || !messages->is_array())
    fail(ErrorKind::invalid_input, "--chat {}: expected {{\"messages\": [...]}} or a list of messages",
         source);
  for (const auto& message : *messages) {
    if (!message.is_object() || !message.contains("role"))
      fail(ErrorKind::invalid_input, "--chat {}: every message must be an object with a \"role\"", source);
  }
  if (!tok.config().chat_template)
    fail(ErrorKind::invalid_input,
         "{}: the model has no chat template (looked in tokenizer_config.json and chat_template.jinja)",
         opt.model_path);
  const text::jinja::ChatTemplate chat_template(*tok.config().chat_template);
  text::jinja::ChatTemplateInputs inputs;
  inputs.messages = *messages;
  if (auto tools = request.find("tools"); tools != request.end()) inputs.tools = *tools;
  const auto generation_prompt = request.find("add_generation_prompt");
  inputs.add_generation_prompt = generation_prompt == request.end() || generation_prompt->is_null() ||
                                 (generation_prompt->is_boolean() && generation_prompt->get<bool>());
  inputs.extra["bos_token"] = tok.config().bos_token.value_or("");
  inputs.extra["eos_token"] = tok.config().eos_token.value_or("");
  for (const auto& [key, value] : request.items())
    if (key != "messages" && key != "tools" && key != "add_generation_prompt") inputs.extra[key] = value;
  const std::string rendered = with_context(fmt::format("--chat {}: chat template", source),
                                            [&] { return chat_template.apply(inputs); });
  return tok.encode(rendered, /*add_special_tokens=*/false);  // the template holds the special tokens
}

std::vector<int32_t> prompt_of(const text::Tokenizer& tok, const GenerateOptions& opt) {
  const int given = int(opt.prompt.has_value()) + int(opt.prompt_ids.has_value()) + int(opt.chat.has_value());
  if (given != 1)
    fail(ErrorKind::invalid_input, "give exactly one of --prompt, --prompt-ids and --chat ({} given)", given);
  if (opt.prompt) return tok.encode(*opt.prompt, /*add_special_tokens=*/true);
  if (opt.prompt_ids) return parse_prompt_ids(*opt.prompt_ids);
  return chat_prompt(tok, opt);
}

generate::SamplingParams sampling_params(const model::DecoderModel& model, const GenerateOptions& opt) {
  generate::SamplingParams params = generate::default_sampling_params(model);
  if (opt.temperature) params.temperature = *opt.temperature;
  if (opt.top_k) params.top_k = *opt.top_k;
  if (opt.top_p) params.top_p = *opt.top_p;
  if (opt.min_p) params.min_p = *opt.min_p;
  if (opt.repetition_penalty) params.repetition_penalty = *opt.repetition_penalty;
  if (opt.presence_penalty) params.presence_penalty = *opt.presence_penalty;
  if (opt.frequency_penalty) params.frequency_penalty = *opt.frequency_penalty;
  params.seed = opt.seed;
  params.logprobs = opt.logprobs;
  return params;
}

std::string token_text(const text::Tokenizer& tok, int32_t id) {
  const text::TokenId one[] = {id};
  return tok.decode(one);
}

nlohmann::ordered_json logprobs_json(const text::Tokenizer& tok,
                                     const std::vector<generate::SampledToken>& all) {
  auto out = nlohmann::ordered_json::array();
  for (const auto& sampled : all) {
    auto top = nlohmann::ordered_json::array();
    for (const auto& entry : sampled.top_logprobs)
      top.push_back(
          {{"id", entry.token}, {"token", token_text(tok, entry.token)}, {"logprob", entry.logprob}});
    out.push_back({{"id", sampled.token},
                   {"token", token_text(tok, sampled.token)},
                   {"logprob", sampled.logprob.value_or(0.f)},
                   {"top_logprobs", std::move(top)}});
  }
  return out;
}

void write_stdout(std::string_view text) {
  if (text.empty()) return;
  if (std::fwrite(text.data(), 1, text.size(), stdout) != text.size() || std::fflush(stdout) != 0)
    fail(ErrorKind::io, "writing to stdout failed");
}

int run_generate(const GenerateOptions& opt) {
  if (opt.threads < 0) fail(ErrorKind::invalid_input, "--threads must be >= 0, got {}", opt.threads);
  if (opt.max_tokens && *opt.max_tokens < 1)
    fail(ErrorKind::invalid_input, "--max-tokens must be >= 1, got {}", *opt.max_tokens);
  if (opt.logprobs && !opt.json)
    fail(ErrorKind::invalid_input, "--logprobs needs --json (it is printed there)");
  if (opt.threads > 0) runtime::set_cpu_thread_count(opt.threads);
  runtime::set_matmul_precision(runtime::parse_matmul_precision(opt.matmul_precision));

  const model::DecoderModel model = model::DecoderModel::load(opt.model_path);
  const text::Tokenizer tok = text::Tokenizer::load(opt.model_path);
  const generate::Generator generator(model, tok);

  generate::GenerationRequest request;
  request.prompt = prompt_of(tok, opt);
  request.sampling = sampling_params(model, opt);
  request.skip_special_tokens = !opt.keep_special_tokens;
  if (!opt.ignore_eos) request.stop.stop_token_ids = generate::default_stop_token_ids(model);
  request.stop.stop_strings = opt.stop;
  request.stop.max_tokens = opt.max_tokens.value_or(
      std::clamp<int64_t>(generator.max_model_len() - int64_t(request.prompt.size()), 1, kDefaultMaxTokens));

  generate::TokenCallback stream;
  if (!opt.json) stream = [](const generate::GeneratedToken& token) { write_stdout(token.text); };
  const generate::GenerationResult result = generator.generate(request, stream);

  if (opt.json) {
    nlohmann::ordered_json out{
        {"ids", result.ids},
        {"text", result.text},
        {"finish_reason", generate::to_string(result.finish_reason)},
        {"usage",
         {{"prompt_tokens", result.prompt_tokens}, {"completion_tokens", result.completion_tokens}}}};
    if (opt.logprobs) out["logprobs"] = logprobs_json(tok, result.logprobs);
    write_stdout(out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
  } else if (isatty(STDOUT_FILENO)) {
    write_stdout("\n");  // leave the shell prompt on a line of its own; pipes get the text exactly
  }
  if (opt.verbose) {
    const auto& t = result.timings;
    std::fprintf(stderr,
                 "chunkwise: prefill %lld tokens in %.3f s (%.1f tok/s), decode %lld tokens in %.3f s (%.1f "
                 "tok/s), finish_reason %s\n",
                 static_cast<long long>(t.prefill_tokens), t.prefill_seconds, t.prefill_tokens_per_second(),
                 static_cast<long long>(t.decode_tokens), t.decode_seconds, t.decode_tokens_per_second(),
                 generate::to_string(result.finish_reason));
  }
  return 0;
}

}  // namespace

void add_generate_command(CLI::App& app, CommandRunner& run) {
  auto opt = std::make_shared<GenerateOptions>();
  auto* cmd = app.add_subcommand("generate", "Generate text with a local decoder model (streamed to stdout)");
  cmd->footer(
      "Prompt: exactly one of --prompt (text, encoded with the tokenizer's special tokens), --prompt-ids\n"
      "(token ids as given) or --chat (a JSON file, - for stdin: {\"messages\": [...]} or a bare list,\n"
      "rendered with the model's chat template and add_generation_prompt).\n"
      "Sampling defaults are transformers' generate() ones from the model's generation_config.json:\n"
      "greedy unless it sets do_sample, then its temperature, top_k, top_p and min_p (absent ones off);\n"
      "its repetition_penalty either way. Without generation_config.json: greedy. Each flag overrides\n"
      "one field; --temperature 0 is greedy.\n"
      "Stops at the model's EOS ids (generation_config.json, else config.json) unless --ignore-eos, at\n"
      "a --stop string (cut from the text) or after --max-tokens (default: 256, or what is left of the\n"
      "context). A prompt + max tokens longer than max_position_embeddings is an error, as in vLLM.\n"
      "Example:\n"
      "  chunkwise generate --model models/tiny-lm --prompt 'Once upon a time' --max-tokens 32");
  cmd->add_option("-m,--model", opt->model_path, "Hugging Face model directory")->required();
  cmd->add_option("-p,--prompt", opt->prompt, "prompt text");
  cmd->add_option("--prompt-ids", opt->prompt_ids, "prompt token ids, comma-separated: 1,2,3");
  cmd->add_option("--chat", opt->chat, "JSON file of chat messages (- for stdin)");
  cmd->add_option("-n,--max-tokens", opt->max_tokens, "tokens to generate at most (default 256)");
  cmd->add_option("--temperature", opt->temperature, "0 = greedy");
  cmd->add_option("--top-k", opt->top_k, "keep the k most likely tokens (0 = off)");
  cmd->add_option("--top-p", opt->top_p, "nucleus sampling mass, in (0, 1]");
  cmd->add_option("--min-p", opt->min_p, "drop tokens below min_p x the top probability");
  cmd->add_option("--repetition-penalty", opt->repetition_penalty, "> 1 discourages repeats (1 = off)");
  cmd->add_option("--presence-penalty", opt->presence_penalty, "OpenAI presence penalty, in [-2, 2]");
  cmd->add_option("--frequency-penalty", opt->frequency_penalty, "OpenAI frequency penalty, in [-2, 2]");
  cmd->add_option("--seed", opt->seed, "random seed (default: random)");
  cmd->add_option("--stop", opt->stop, "stop string, repeatable; not included in the text");
  cmd->add_flag("--ignore-eos", opt->ignore_eos, "do not stop at the model's EOS tokens");
  cmd->add_flag("--keep-special-tokens", opt->keep_special_tokens, "show special tokens in the text");
  cmd->add_flag("--json", opt->json,
                "print one JSON object at the end: ids, text, finish_reason, usage (no streaming)");
  cmd->add_option("--logprobs", opt->logprobs, "with --json: logprobs of each token and its N most likely");
  cmd->add_flag("-v,--verbose", opt->verbose, "timings to stderr at the end (prefill and decode tok/s)");
  cmd->add_option("--threads", opt->threads, "CPU threads (0: CHUNKWISE_THREADS or all cores)")
      ->capture_default_str();
  cmd->add_option(
         "--matmul-precision", opt->matmul_precision,
         "how bf16-weight products may round their inputs on CPUs with AMX: f32 (exact), bf16x2, or bf16 "
         "(as PyTorch bf16; fastest prefill)")
      ->capture_default_str();
  cmd->callback([&run, opt] { run = [opt] { return run_generate(*opt); }; });
}

}  // namespace chunkwise::cli
