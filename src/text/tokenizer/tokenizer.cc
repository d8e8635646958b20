#include "text/tokenizer/tokenizer.h"

#include <fmt/format.h>

#include <algorithm>
#include <atomic>
#include <exception>
#include <nlohmann/json.hpp>
#include <thread>
#include <unordered_map>
#include <unordered_set>

#include "common/error.h"
#include "common/file.h"
#include "text/tokenizer/added_vocabulary.h"
#include "text/tokenizer/byte_level_alphabet.h"
#include "text/tokenizer/component_factory.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/tokenizer_json_reader.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

struct Tokenizer::Impl {
  std::unique_ptr<Normalizer> normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<Model> model;
  std::unique_ptr<PostProcessor> post_processor;
  std::unique_ptr<Decoder> decoder;
  AddedVocabulary added;
  std::unordered_set<TokenId> special_ids;  // ids whose token is a special added token
  TokenizerConfig config;

  void encode_text(std::string_view text, std::vector<TokenId>& ids) const;
  void encode_normalized(std::string_view text, bool at_input_start, std::vector<TokenId>& ids) const;
  std::optional<std::string_view> token(TokenId id) const {
    if (const AddedToken* added_token = added.find(id)) return added_token->normalized_content;
    return model->id_to_token(id);
  }
};

namespace {

template <typename Make>
auto optional_component(const nlohmann::json& root, const char* key, Make make)
    -> decltype(make(std::declval<const nlohmann::json&>())) {
  const auto it = root.find(key);
  if (it == root.end() || it->is_null()) return nullptr;
  return with_context(key, [&] { return make(*it); });
}

nlohmann::json parse_json(std::string_view text) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::exception& e) {
    fail(ErrorKind::invalid_input, "malformed JSON: {}", e.what());
  }
}

// A special token entry of tokenizer_config.json / special_tokens_map.json: "text" or {"content": "text",
// ...}.
std::optional<std::string> token_entry(const nlohmann::json& config, const char* key) {
  const auto it = config.find(key);
  if (it == config.end() || it->is_null()) return std::nullopt;
  if (it->is_string()) return it->get<std::string>();
  if (it->is_object()) return with_context(key, [&] { return string_field(*it, "content"); });
  fail(ErrorKind::invalid_input, "{}: expected a string or an object with \"content\"", key);
}

void read_tokenizer_config(const nlohmann::json& json, TokenizerConfig& config) {
  if (!json.is_object()) fail(ErrorKind::invalid_input, "expected an object");
  for (auto [key, field] :
       {std::pair{"bos_token", &config.bos_token}, std::pair{"eos_token", &config.eos_token},
        std::pair{"pad_token", &config.pad_token}, std::pair{"unk_token", &config.unk_token}})
    if (auto value = token_entry(json, key)) *field = std::move(value);
  if (json.contains("add_bos_token") && json["add_bos_token"].is_boolean())
    config.add_bos_token = json["add_bos_token"].get<bool>();
  if (json.contains("add_eos_token") && json["add_eos_token"].is_boolean())
    config.add_eos_token = json["add_eos_token"].get<bool>();
  if (const auto it = json.find("model_max_length"); it != json.end() && it->is_number()) {
    // Configs without a limit write a huge float (1e30); keep 0 ("not given") for anything beyond size_t.
    const double value = it->get<double>();
    if (value > 0 && value < 1e18) config.model_max_length = static_cast<size_t>(value);
  }
  if (const auto it = json.find("chat_template"); it != json.end() && !it->is_null()) {
    if (it->is_string()) {
      config.chat_template = it->get<std::string>();
    } else if (it->is_array()) {
      for (const auto& entry : *it)
        if (entry.is_object() && entry.value("name", "") == "default")
          config.chat_template =
              with_context("chat_template", [&] { return string_field(entry, "template"); });
    } else {
      fail(ErrorKind::invalid_input, "chat_template: expected a string or a list of {{name, template}}");
    }
  }
}

}  // namespace

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Tokenizer Tokenizer::from_json(std::string_view tokenizer_json, TokenizerConfig config) {
  BpeTables tables;
  const nlohmann::json root = read_tokenizer_json(tokenizer_json, tables);
  if (!root.is_object()) fail(ErrorKind::invalid_input, "expected a JSON object at the top level");
  auto impl = std::make_unique<Impl>();
  impl->config = std::move(config);
  impl->normalizer = optional_component(root, "normalizer", [](const auto& j) { return make_normalizer(j); });

  // Raw-byte encoding when a ByteLevel pre-tokenizer ends the chain and the BPE model needs nothing else of
  // the alphabet (see ByteLevelMode).
  ByteLevelMode mode;
  const auto& model_spec =
      with_context("model", [&]() -> const nlohmann::json& { return require_field(root, "model"); });
  // Wrong-typed fields are reported by make_model below; here they only mean "not raw bytes" (json::value()
  // would throw a type_error that is not a chunkwise::Error).
  auto field_is = [&](const char* key, auto expected) {
    const auto it = model_spec.is_object() ? model_spec.find(key) : model_spec.end();
    using T = decltype(expected);
    if (it == model_spec.end()) return false;
    if constexpr (std::is_same_v<T, bool>)
      return it->is_boolean() && it->template get<bool>() == expected;
    else
      return it->is_string() && it->template get<std::string>() == expected;
  };
  if (root.contains("pre_tokenizer") && ends_with_byte_level(root["pre_tokenizer"]) &&
      field_is("type", std::string("BPE"))) {
    auto empty = [&](const char* key) {
      const auto it = model_spec.find(key);
      return it == model_spec.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty());
    };
    mode.raw_bytes =
        empty("continuing_subword_prefix") && empty("end_of_word_suffix") && !field_is("byte_fallback", true);
  }
  impl->pre_tokenizer =
      optional_component(root, "pre_tokenizer", [&](const auto& j) { return make_pre_tokenizer(j, mode); });
  impl->model = with_context("model", [&] { return make_model(model_spec, mode, &tables); });
  impl->post_processor =
      optional_component(root, "post_processor", [](const auto& j) { return make_post_processor(j); });
  impl->decoder = optional_component(root, "decoder", [](const auto& j) { return make_decoder(j); });

  std::vector<AddedToken> listed;
  if (const auto it = root.find("added_tokens"); it != root.end())
    listed = with_context("added_tokens", [&] { return AddedVocabulary::parse(*it); });
  // Hugging Face re-adds the listed tokens one by one and does not trust their "id": a token already known
  // (added before, or in the model vocabulary) keeps that id, a new one gets the next id after the
  // vocabulary.
  std::vector<AddedToken> added;
  std::unordered_map<std::string, TokenId> added_ids;
  const auto model_size = static_cast<TokenId>(impl->model->vocab_size());
  std::optional<TokenId> max_added;
  for (AddedToken& token : listed) {
    if (token.content.empty()) continue;
    const bool duplicate = std::any_of(added.begin(), added.end(), [&](const AddedToken& t) {
      return t.content == token.content && t.single_word == token.single_word && t.lstrip == token.lstrip &&
             t.rstrip == token.rstrip && t.normalized == token.normalized && t.special == token.special;
    });
    if (duplicate) continue;
    if (const auto it = added_ids.find(token.content); it != added_ids.end()) {
      token.id = it->second;
    } else if (const auto id = impl->model->token_to_id(token.content)) {
      token.id = *id;
    } else {
      token.id = !max_added ? model_size
                            : (*max_added >= model_size || model_size == 0 ? *max_added + 1 : model_size);
    }
    added_ids[token.content] = token.id;
    max_added = std::max(max_added.value_or(token.id), token.id);
    // A later entry with the same content replaces the earlier one.
    std::erase_if(added, [&](const AddedToken& t) { return t.content == token.content; });
    added.push_back(std::move(token));
  }
  for (const AddedToken& token : added) {
    if (!token.special) continue;
    impl->special_ids.insert(token.id);
    if (const auto id = impl->model->token_to_id(token.content)) impl->special_ids.insert(*id);
  }
  impl->added = AddedVocabulary(std::move(added), impl->normalizer.get());
  return Tokenizer(std::move(impl));
}

Tokenizer Tokenizer::load(const std::filesystem::path& path) {
  return with_context(fmt::format("loading tokenizer from {}", path.string()), [&] {
    std::error_code error;
    if (!std::filesystem::is_directory(path, error)) return from_json(read_file(path));
    TokenizerConfig config;
    const auto config_path = path / "tokenizer_config.json";
    if (std::filesystem::exists(config_path, error))
      with_context("tokenizer_config.json",
                   [&] { read_tokenizer_config(parse_json(read_file(config_path)), config); });
    const auto map_path = path / "special_tokens_map.json";
    if (std::filesystem::exists(map_path, error)) {
      with_context("special_tokens_map.json", [&] {
        const nlohmann::json map = parse_json(read_file(map_path));
        if (!map.is_object()) fail(ErrorKind::invalid_input, "expected an object");
        for (auto [key, field] :
             {std::pair{"bos_token", &config.bos_token}, std::pair{"eos_token", &config.eos_token},
              std::pair{"pad_token", &config.pad_token}, std::pair{"unk_token", &config.unk_token}})
          if (auto value = token_entry(map, key)) *field = std::move(value);
      });
    }
    const auto template_path = path / "chat_template.jinja";
    if (std::filesystem::exists(template_path, error)) config.chat_template = read_file(template_path);
    const auto json_path = path / "tokenizer.json";
    return with_context("tokenizer.json", [&] { return from_json(read_file(json_path), std::move(config)); });
  });
}

void Tokenizer::Impl::encode_normalized(std::string_view text, bool at_input_start,
                                        std::vector<TokenId>& ids) const {
  if (text.empty()) return;
  if (!pre_tokenizer) {
    model->encode_piece(text, ids);
    return;
  }
  thread_local PieceList input;
  thread_local PieceList pieces;
  input.clear();
  input.add(text);
  input.set_first_starts_input(at_input_start);
  pre_tokenizer->pre_tokenize(input, pieces);
  for (size_t i = 0; i < pieces.size(); ++i) model->encode_piece(pieces[i], ids);
}

void Tokenizer::Impl::encode_text(std::string_view text, std::vector<TokenId>& ids) const {
  thread_local std::vector<TextSegment> raw_segments;
  thread_local std::vector<TextSegment> normalized_segments;
  thread_local std::string normalized;
  if (added.empty()) {
    raw_segments.assign(1, TextSegment{0, static_cast<uint32_t>(text.size()), -1});
  } else {
    added.split(text, false, raw_segments);
  }
  for (const TextSegment& segment : raw_segments) {
    if (segment.id >= 0) {
      ids.push_back(segment.id);
      continue;
    }
    const std::string_view part = text.substr(segment.start, segment.end - segment.start);
    std::string_view input = part;
    if (normalizer) {
      normalized.assign(part);
      normalizer->normalize(normalized);
      input = normalized;
    }
    const bool at_start = segment.start == 0;
    if (!added.has_normalized()) {
      encode_normalized(input, at_start, ids);
      continue;
    }
    added.split(input, true, normalized_segments);
    for (const TextSegment& sub : normalized_segments) {
      if (sub.id >= 0) {
        ids.push_back(sub.id);
      } else {
        encode_normalized(input.substr(sub.start, sub.end - sub.start), at_start && sub.start == 0, ids);
      }
    }
  }
}

std::vector<TokenId> Tokenizer::encode(std::string_view text, bool add_special_tokens) const {
  std::string repaired;
  if (replace_invalid_utf8(text, repaired)) text = repaired;
  std::vector<TokenId> ids;
  ids.reserve(text.size() / 3 + 4);
  impl_->encode_text(text, ids);
  if (impl_->post_processor) impl_->post_processor->process(ids, nullptr, add_special_tokens);
  return ids;
}

std::vector<std::vector<TokenId>> Tokenizer::encode_batch(std::span<const std::string> texts,
                                                          bool add_special_tokens, unsigned threads) const {
  std::vector<std::vector<TokenId>> results(texts.size());
  if (threads == 0) threads = std::max(1u, std::thread::hardware_concurrency());
  threads = static_cast<unsigned>(std::min<size_t>(threads, texts.size()));
  if (threads <= 1) {
    for (size_t i = 0; i < texts.size(); ++i) results[i] = encode(texts[i], add_special_tokens);
    return results;
  }
  std::atomic<size_t> next{0};
  std::exception_ptr error;
  std::atomic<bool> failed{false};
  auto work = [&] {
    try {
      for (size_t i; !failed.load(std::memory_order_relaxed) && (i = next.fetch_add(1)) < texts.size();)
        results[i] = encode(texts[i], add_special_tokens);
    } catch (...) {
      if (!failed.exchange(true)) error = std::current_exception();
    }
  };
  std::vector<std::thread> pool;
  for (unsigned t = 1; t < threads; ++t) pool.emplace_back(work);
  work();
  for (auto& thread : pool) thread.join();
  if (error) std::rethrow_exception(error);
  return results;
}

std::string Tokenizer::decode(std::span<const TokenId> ids, bool skip_special_tokens) const {
  std::vector<std::string> tokens;
  tokens.reserve(ids.size());
  for (const TokenId id : ids) {
    if (skip_special_tokens && impl_->special_ids.contains(id)) continue;
    if (const auto token = impl_->token(id)) tokens.emplace_back(*token);
  }
  std::string text;
  if (impl_->decoder) {
    impl_->decoder->decode_chain(tokens);
    for (const std::string& token : tokens) text += token;
  } else {
    for (size_t i = 0; i < tokens.size(); ++i) {
      if (i > 0) text.push_back(' ');
      text += tokens[i];
    }
  }
  return text;
}

std::optional<TokenId> Tokenizer::token_to_id(std::string_view token) const {
  if (const auto id = impl_->added.token_to_id(token)) return id;
  return impl_->model->token_to_id(token);
}

std::optional<std::string> Tokenizer::id_to_token(TokenId id) const {
  if (const auto token = impl_->token(id)) return std::string(*token);
  return std::nullopt;
}

bool Tokenizer::is_special(TokenId id) const {
  return impl_->special_ids.contains(id);
}

size_t Tokenizer::vocab_size() const {
  size_t size = impl_->model->vocab_size();
  std::unordered_set<std::string_view> extra;
  for (const AddedToken& token : impl_->added.tokens())
    if (!impl_->model->token_to_id(token.content)) extra.insert(token.content);
  return size + extra.size();
}

const TokenizerConfig& Tokenizer::config() const {
  return impl_->config;
}

namespace {

constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";  // U+FFFD
constexpr size_t kStreamTrimAt = 6;     // window size from which step() tries to drop old ids
constexpr size_t kStreamTrimTries = 8;  // how many cut points it tries

size_t common_prefix_length(std::string_view a, std::string_view b) {
  const size_t n = std::min(a.size(), b.size());
  size_t i = 0;
  while (i < n && a[i] == b[i]) ++i;
  return i;
}

}  // namespace

StreamDecoder::StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens)
    : tokenizer_(&tokenizer), skip_special_tokens_(skip_special_tokens) {
  // Byte tokens (<0xAB> for ByteFallback, GPT-2 alphabet characters for ByteLevel) for 0x80 and 0xA0. The
  // probes 80, 80 80, 80 80 80, A0 80, A0 80 80 complete every incomplete UTF-8 prefix (E0 needs A0..BF
  // next, ED 80..9F, F0 90..BF, F4 80..8F) with exactly the bytes it lacks, as ByteFallback (a run is all
  // valid or all U+FFFD) needs. Without both bytes in one scheme there are no probes, and text ending in
  // U+FFFD waits.
  const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
  for (const bool byte_level : {false, true}) {
    std::optional<TokenId> ids[2];
    for (int i = 0; i < 2; ++i) {
      const uint8_t byte = i == 0 ? 0x80 : 0xA0;
      ids[i] = tokenizer.token_to_id(byte_level ? std::string(alphabet.encode(byte))
                                                : fmt::format("<0x{:02X}>", byte));
      if (ids[i] && tokenizer.is_special(*ids[i])) ids[i].reset();
    }
    if (!ids[0] || !ids[1]) continue;
    const TokenId x80 = *ids[0], xA0 = *ids[1];
    for (auto probe : {std::vector<TokenId>{x80}, {x80, x80}, {x80, x80, x80}, {xA0, x80}, {xA0, x80, x80}})
      probes_.push_back(std::move(probe));
  }
}

std::string StreamDecoder::decode_with(std::span<const TokenId> ids, std::span<const TokenId> extra) {
  scratch_.assign(ids.begin(), ids.end());
  scratch_.insert(scratch_.end(), extra.begin(), extra.end());
  return tokenizer_->decode(scratch_, skip_special_tokens_);
}

// How much of `text` (= decode(window_)) no continuation can change. Text not ending in U+FFFD counts as
// stable (as in Hugging Face's DecodeStream); a trailing U+FFFD is kept back only while some probe changes
// it, i.e. while it is an incomplete sequence that more bytes could still turn into a character.
size_t StreamDecoder::stable_length(const std::string& text) {
  if (!text.ends_with(kReplacementCharacter)) return text.size();
  if (probes_.empty()) return 0;
  size_t stable = text.size();
  for (const auto& probe : probes_)
    stable = std::min(stable, common_prefix_length(text, decode_with(window_, probe)));
  while (stable > 0 && stable < text.size() && (static_cast<unsigned char>(text[stable]) & 0xC0) == 0x80)
    --stable;  // not inside a character
  return stable;
}

// Drops old ids from the window, keeping the latest few as context, when the shorter window continues like
// the whole one: its decoded text is some context followed by the same pending (not yet emitted) text, and
// under every probe continuation both windows add the same text.
void StreamDecoder::trim(const std::string& text) {
  const std::string_view pending = std::string_view(text).substr(window_text_.size());
  if (probes_.empty() && !pending.empty()) return;
  std::vector<std::string> futures;  // what each probe adds to the whole window, computed when first needed
  const size_t lowest = window_.size() > kStreamTrimTries ? window_.size() - kStreamTrimTries : 1;
  for (size_t cut = window_.size() - 1; cut >= lowest; --cut) {
    const std::span<const TokenId> tail = std::span<const TokenId>(window_).subspan(cut);
    const std::string tail_text = tokenizer_->decode(tail, skip_special_tokens_);
    // The kept ids must decode to some context text of their own: a decoder treats the first token
    // differently (a WordPiece token gets no leading space, Metaspace and Strip drop one), and skipped
    // special tokens decode to nothing.
    if (tail_text.size() <= pending.size() || !tail_text.ends_with(pending)) continue;
    const std::string_view context = std::string_view(tail_text).substr(0, tail_text.size() - pending.size());
    if (futures.empty()) {
      for (const auto& probe : probes_) {
        std::string extended = decode_with(window_, probe);
        if (!extended.starts_with(window_text_)) return;  // more bytes could still change emitted text
        futures.push_back(extended.substr(window_text_.size()));
      }
    }
    bool same = true;
    for (size_t i = 0; same && i < probes_.size(); ++i) {
      const std::string extended = decode_with(tail, probes_[i]);
      same = extended.starts_with(context) && std::string_view(extended).substr(context.size()) == futures[i];
    }
    if (!same) continue;
    window_text_.assign(context);
    window_.erase(window_.begin(), window_.begin() + static_cast<std::ptrdiff_t>(cut));
    return;
  }
}

std::string StreamDecoder::step(TokenId id) {
  all_ids_.push_back(id);
  window_.push_back(id);
  const std::string text = tokenizer_->decode(window_, skip_special_tokens_);
  if (!text.starts_with(window_text_)) return {};  // the window lost context it needed: wait for flush()
  const size_t stable = stable_length(text);
  std::string fresh;
  if (stable > window_text_.size()) {
    fresh = text.substr(window_text_.size(), stable - window_text_.size());
    window_text_.append(fresh);
    emitted_ += fresh;
  }
  if (window_.size() >= kStreamTrimAt) trim(text);
  return fresh;
}

std::string StreamDecoder::flush() {
  const std::string full = tokenizer_->decode(all_ids_, skip_special_tokens_);
  std::string rest;
  if (full.starts_with(emitted_)) rest = full.substr(emitted_.size());
  window_.clear();
  window_text_.clear();
  all_ids_.clear();
  emitted_.clear();
  return rest;
}

}  // namespace chunkwise::text
