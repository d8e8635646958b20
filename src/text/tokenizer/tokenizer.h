// A Hugging Face tokenizer loaded from tokenizer.json (+ tokenizer_config.json, special_tokens_map.json and
// chat_template.jinja when loaded from a model directory). Encoding is byte-exact with Hugging Face
// `tokenizers`.
#pragma once

#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "text/tokenizer/components.h"

namespace chunkwise::text {

// What tokenizer_config.json / special_tokens_map.json / chat_template.jinja say about how the model uses its
// tokenizer. Absent fields stay empty.
struct TokenizerConfig {
  std::optional<std::string> bos_token;
  std::optional<std::string> eos_token;
  std::optional<std::string> pad_token;
  std::optional<std::string> unk_token;
  // Recorded for callers (e.g. chat templating). encode() itself follows tokenizer.json's post-processor, as
  // Hugging Face `tokenizers` does; transformers' fast tokenizers rebuild that post-processor from these
  // flags only for some classes (LlamaTokenizerFast, ...), and the shipped tokenizer.json already reflects
  // them.
  std::optional<bool> add_bos_token;
  std::optional<bool> add_eos_token;
  std::optional<std::string> chat_template;  // the default template source, if any
  size_t model_max_length = 0;               // 0: not given
};

class Tokenizer {
 public:
  // `path` is a tokenizer.json file or a model directory holding one.
  static Tokenizer load(const std::filesystem::path& path);
  static Tokenizer from_json(std::string_view tokenizer_json, TokenizerConfig config = {});

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Invalid UTF-8 in `text` is replaced by U+FFFD before encoding (as Python's errors="replace" does).
  std::vector<TokenId> encode(std::string_view text, bool add_special_tokens = true) const;
  // Encodes many texts over `threads` threads (0: all hardware threads). Results are in input order.
  std::vector<std::vector<TokenId>> encode_batch(std::span<const std::string> texts,
                                                 bool add_special_tokens = true, unsigned threads = 0) const;
  std::string decode(std::span<const TokenId> ids, bool skip_special_tokens = false) const;

  std::optional<TokenId> token_to_id(std::string_view token) const;
  std::optional<std::string> id_to_token(TokenId id) const;
  bool is_special(TokenId id) const;
  size_t vocab_size() const;  // including added tokens
  const TokenizerConfig& config() const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
  friend class StreamDecoder;
};

// Incremental detokenization for streaming generation: feed ids one at a time, get the text they add. Never
// emits half a UTF-8 character and gives the same text, concatenated, as decode() of all ids (see step() for
// the one exception).
class StreamDecoder {
 public:
  explicit StreamDecoder(const Tokenizer& tokenizer, bool skip_special_tokens = false);
  std::string step(TokenId id);
  std::string flush();  // whatever is still held back (an incomplete UTF-8 sequence becomes U+FFFD)
  // Ids kept for decoding (context and pending ones). Stays small, also on streams of byte tokens that never
  // complete a character; grows only while a run of <0xAB> byte tokens (ByteFallback) stays valid UTF-8.
  size_t window_size() const { return window_.size(); }

 private:
  // Like Hugging Face's DecodeStream: a window of recent ids is decoded, and the text beyond what was already
  // accounted for (window_text_) is new once it is stable. Text ending in U+FFFD is stable up to where some
  // continuation of byte tokens (the probes) could still change it: an incomplete UTF-8 sequence waits, an
  // invalid one (or a real U+FFFD) is emitted as decode() shows it.
  std::string decode_with(std::span<const TokenId> ids, std::span<const TokenId> extra);
  size_t stable_length(const std::string& text);
  void trim(const std::string& text);

  const Tokenizer* tokenizer_;
  bool skip_special_tokens_;
  std::vector<std::vector<TokenId>> probes_;  // byte-token continuations that complete any UTF-8 prefix
  std::vector<TokenId> window_;
  std::string window_text_;       // the start of decode(window_) that is context or already emitted
  std::vector<TokenId> all_ids_;  // flush() checks the emitted text against decode(all_ids_)
  std::string emitted_;
  std::vector<TokenId> scratch_;
};

}  // namespace chunkwise::text
