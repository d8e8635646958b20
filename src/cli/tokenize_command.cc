// chunkwise tokenize: JSONL in, JSONL out, so scripts can pipe text through a model's tokenizer.
//   {"text": "..."}              -> {"ids": [...]}                      (default)
//   {"ids": [...]}               -> {"text": "..."}                     (--decode)
//   {"messages": [...], ...}     -> {"text": "...", "ids": [...]}       (--chat)
// With --text the one string given is encoded and shown token by token for people.
#include <fmt/format.h>

#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.h"
#include "cli/jsonl_input.h"
#include "common/error.h"
#include "text/jinja/chat_template.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::cli {
namespace {

struct TokenizeOptions {
  std::string tokenizer_path;
  std::optional<std::string> text;
  bool lines = false;
  bool decode = false;
  bool chat = false;
  bool no_special = false;
  bool skip_special = false;
  bool add_generation_prompt = false;
  bool show_tokens = false;
  unsigned threads = 0;
  size_t batch_lines = 4096;
};

std::vector<text::TokenId> ids_field(const nlohmann::json& object, size_t line_number,
                                     const text::Tokenizer& tok) {
  auto it = object.find("ids");
  if (it == object.end() || !it->is_array())
    fail(ErrorKind::invalid_input, "stdin line {}: expected {{\"ids\": [integers]}}", line_number);
  std::vector<text::TokenId> ids;
  ids.reserve(it->size());
  for (const auto& id : *it) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 || id.get<uint64_t>() >= tok.vocab_size())
      fail(ErrorKind::invalid_input, "stdin line {}: token id {} is not in the vocabulary (size {})",
           line_number, id.dump(), tok.vocab_size());
    ids.push_back(id.get<text::TokenId>());
  }
  return ids;
}

void print_ids(const std::vector<text::TokenId>& ids) {
  std::string out = "{\"ids\":[";
  for (size_t i = 0; i < ids.size(); ++i) {
    if (i) out += ',';
    out += std::to_string(ids[i]);
  }
  out += "]}\n";
  std::cout << out;
}

// Encodes stdin in batches so encode_batch can use every core while output order stays the input order.
void encode_stream(const text::Tokenizer& tok, const TokenizeOptions& opt) {
  std::vector<std::string> batch;
  std::string line;
  size_t line_number = 0;
  auto flush = [&] {
    for (const auto& ids : tok.encode_batch(batch, !opt.no_special, opt.threads)) print_ids(ids);
    batch.clear();
  };
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (opt.lines) {
      batch.push_back(std::move(line));
    } else {
      if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
      batch.push_back(text_field(parse_jsonl_object(line, line_number), line_number));
    }
    if (batch.size() >= opt.batch_lines) flush();
  }
  flush();
}

void decode_stream(const text::Tokenizer& tok, const TokenizeOptions& opt) {
  std::string line;
  size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto ids = ids_field(parse_jsonl_object(line, line_number), line_number, tok);
    std::cout << nlohmann::json{{"text", tok.decode(ids, opt.skip_special)}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  }
}

void chat_stream(const text::Tokenizer& tok, const TokenizeOptions& opt) {
  if (!tok.config().chat_template)
    fail(ErrorKind::invalid_input,
         "{}: the tokenizer has no chat template (looked in tokenizer_config.json and "
         "chat_template.jinja)",
         opt.tokenizer_path);
  const text::jinja::ChatTemplate chat_template(*tok.config().chat_template);
  std::string line;
  size_t line_number = 0;
  while (std::getline(std::cin, line)) {
    ++line_number;
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const auto request = parse_jsonl_object<nlohmann::ordered_json>(line, line_number);
    text::jinja::ChatTemplateInputs inputs;
    auto messages = request.find("messages");
    if (messages == request.end() || !messages->is_array())
      fail(ErrorKind::invalid_input, "stdin line {}: expected {{\"messages\": [...]}}", line_number);
    inputs.messages = *messages;
    if (auto tools = request.find("tools"); tools != request.end()) inputs.tools = *tools;
    inputs.add_generation_prompt = request.value("add_generation_prompt", opt.add_generation_prompt);
    const auto& config = tok.config();
    inputs.extra["bos_token"] = config.bos_token.value_or("");
    inputs.extra["eos_token"] = config.eos_token.value_or("");
    for (const auto& [key, value] : request.items())
      if (key != "messages" && key != "tools" && key != "add_generation_prompt") inputs.extra[key] = value;
    const std::string rendered = with_context(fmt::format("stdin line {}: chat template", line_number),
                                              [&] { return chat_template.apply(inputs); });
    // Like transformers' apply_chat_template(tokenize=True): the template already holds the special tokens.
    const auto ids = tok.encode(rendered, /*add_special_tokens=*/false);
    std::cout << nlohmann::ordered_json{{"text", rendered}, {"ids", ids}}.dump(
                     -1, ' ', false, nlohmann::json::error_handler_t::replace)
              << '\n';
  }
}

// Human-readable view of one string: id, token, and the text each token decodes to.
void show_text(const text::Tokenizer& tok, const TokenizeOptions& opt) {
  const auto ids = tok.encode(*opt.text, !opt.no_special);
  if (!opt.show_tokens) {
    print_ids(ids);
    return;
  }
  for (const auto id : ids) {
    const text::TokenId one[] = {id};
    std::cout << fmt::format(
        "{:>8}  {:<24}  {}\n", id, nlohmann::json(tok.id_to_token(id).value_or("?")).dump(),
        nlohmann::json(tok.decode(one)).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
  }
  std::cout << fmt::format("{} tokens, {} bytes\n", ids.size(), opt.text->size());
}

}  // namespace

void add_tokenize_command(CLI::App& app, CommandRunner& run) {
  auto opt = std::make_shared<TokenizeOptions>();
  auto* cmd =
      app.add_subcommand("tokenize", "Encode or decode text with a Hugging Face tokenizer (JSONL on stdin)");
  cmd->footer(
      "Input, one JSON object per line on stdin:\n"
      "  default     {\"text\": \"...\"}          -> {\"ids\": [...]}\n"
      "  --lines     plain text lines            -> {\"ids\": [...]}\n"
      "  --decode    {\"ids\": [...]}             -> {\"text\": \"...\"}\n"
      "  --chat      {\"messages\": [...], \"tools\": [...]?, \"add_generation_prompt\": bool?}\n"
      "                                          -> {\"text\": \"...\", \"ids\": [...]}\n"
      "Example:\n"
      "  echo '{\"text\": \"Hello world\"}' | chunkwise tokenize --tokenizer assets/tokenizers/tiny-lm");
  cmd->add_option("-t,--tokenizer", opt->tokenizer_path, "tokenizer.json file or model directory")
      ->required();
  cmd->add_option("--text", opt->text, "encode this string instead of reading stdin");
  cmd->add_flag("--tokens", opt->show_tokens, "with --text: show each token and its text");
  auto* lines = cmd->add_flag("--lines", opt->lines, "stdin is plain text, one input per line");
  auto* decode = cmd->add_flag("--decode", opt->decode, "decode {\"ids\": [...]} lines to text");
  auto* chat =
      cmd->add_flag("--chat", opt->chat, "render {\"messages\": [...]} lines with the chat template");
  lines->excludes(decode)->excludes(chat);
  decode->excludes(chat);
  cmd->add_flag("--no-special", opt->no_special, "do not add special tokens (BOS/EOS, [CLS]/[SEP])");
  cmd->add_flag("--skip-special", opt->skip_special, "with --decode: leave special tokens out of the text");
  cmd->add_flag("--add-generation-prompt", opt->add_generation_prompt,
                "with --chat: end with the assistant's turn header (per-line field wins)");
  cmd->add_option("--threads", opt->threads, "encoding threads (0: all cores)")->capture_default_str();
  cmd->callback([&run, opt] {
    run = [opt] {
      const auto tok = text::Tokenizer::load(opt->tokenizer_path);
      std::ios::sync_with_stdio(false);
      if (opt->text) {
        show_text(tok, *opt);
      } else if (opt->decode) {
        decode_stream(tok, *opt);
      } else if (opt->chat) {
        chat_stream(tok, *opt);
      } else {
        encode_stream(tok, *opt);
      }
      std::cout.flush();
      if (!std::cout) fail(ErrorKind::io, "writing to stdout failed");
      return 0;
    };
  });
}

}  // namespace chunkwise::cli
