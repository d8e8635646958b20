// Fuzzes encoding and decoding of arbitrary text with two small tokenizers built once, in memory:
//  - a byte-level BPE (GPT-2 style: ByteLevel pre-tokenizer and decoder, a few merges, one special token).
//  For
//    valid UTF-8 it must be lossless: decode(encode(x)) == x, with and without special tokens, and streaming
//    decode must give the same text as decode. Invalid UTF-8 must come back as valid UTF-8.
//  - a BERT-style WordPiece (BertNormalizer, BertPreTokenizer, WordPiece, WordPiece decoder): ids in range
//  and
//    valid UTF-8 out.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "common/error.h"
#include "text/tokenizer/tokenizer.h"

namespace {

using chunkwise::text::StreamDecoder;
using chunkwise::text::TokenId;
using chunkwise::text::Tokenizer;

void append_utf8(std::string& out, uint32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

// GPT-2's byte-to-character alphabet: printable bytes map to themselves, the others to U+0100 and up.
std::string byte_level_char(int byte) {
  static const auto table = [] {
    std::vector<uint32_t> chars(256);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || (b >= 174 && b <= 255);
      chars[b] = printable ? b : next++;
    }
    return chars;
  }();
  std::string out;
  append_utf8(out, table[byte]);
  return out;
}

std::string byte_level_bpe_json() {
  nlohmann::json vocab = nlohmann::json::object();
  for (int b = 0; b < 256; ++b) vocab[byte_level_char(b)] = b;
  const std::string space = byte_level_char(' ');
  const std::string e_acute_lead = byte_level_char(0xC3), e_acute_tail = byte_level_char(0xA9);  // "é"
  const std::vector<std::pair<std::string, std::string>> merges = {{space, "t"},
                                                                   {"h", "e"},
                                                                   {space + "t", "he"},
                                                                   {"i", "n"},
                                                                   {space, "a"},
                                                                   {"e", "r"},
                                                                   {"o", "n"},
                                                                   {"in", "g"},
                                                                   {"1", "2"},
                                                                   {space + "a", "n"},
                                                                   {e_acute_lead, e_acute_tail},
                                                                   {space, e_acute_lead + e_acute_tail},
                                                                   {"r", "e"},
                                                                   {"e", "s"}};
  nlohmann::json merge_list = nlohmann::json::array();
  for (const auto& [left, right] : merges) {
    if (!vocab.contains(left + right)) vocab[left + right] = static_cast<int>(vocab.size());
    merge_list.push_back(left + " " + right);
  }
  const int special_id = static_cast<int>(vocab.size());
  const nlohmann::json byte_level = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  nlohmann::json spec = {{"version", "1.0"},
                         {"added_tokens",
                          {{{"id", special_id},
                            {"content", "<|end|>"},
                            {"single_word", false},
                            {"lstrip", false},
                            {"rstrip", false},
                            {"normalized", false},
                            {"special", true}}}},
                         {"normalizer", nullptr},
                         {"pre_tokenizer", byte_level},
                         {"post_processor", byte_level},
                         {"decoder", byte_level},
                         {"model",
                          {{"type", "BPE"},
                           {"dropout", nullptr},
                           {"unk_token", nullptr},
                           {"continuing_subword_prefix", nullptr},
                           {"end_of_word_suffix", nullptr},
                           {"fuse_unk", false},
                           {"byte_fallback", false},
                           {"vocab", vocab},
                           {"merges", merge_list}}}};
  return spec.dump();
}

std::string wordpiece_json() {
  nlohmann::json vocab = {{"[PAD]", 0}, {"[UNK]", 1}, {"[CLS]", 2}, {"[SEP]", 3}};
  for (const char* token : {"the", "##s", "a", "##b", "b", "##a", "un", "##able", "caf", "##e", ",", ".", "!",
                            "\xE4\xBD\xA0", "##\xC3\xA9", "x", "##x", "1", "##1"})
    vocab[token] = static_cast<int>(vocab.size());
  nlohmann::json added = nlohmann::json::array();
  for (const char* token : {"[PAD]", "[UNK]", "[CLS]", "[SEP]"})
    added.push_back({{"id", vocab[token]},
                     {"content", token},
                     {"single_word", false},
                     {"lstrip", false},
                     {"rstrip", false},
                     {"normalized", false},
                     {"special", true}});
  nlohmann::json spec = {
      {"version", "1.0"},
      {"added_tokens", added},
      {"normalizer",
       {{"type", "BertNormalizer"},
        {"clean_text", true},
        {"handle_chinese_chars", true},
        {"strip_accents", nullptr},
        {"lowercase", true}}},
      {"pre_tokenizer", {{"type", "BertPreTokenizer"}}},
      {"post_processor", {{"type", "BertProcessing"}, {"sep", {"[SEP]", 3}}, {"cls", {"[CLS]", 2}}}},
      {"decoder", {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}}},
      {"model",
       {{"type", "WordPiece"},
        {"unk_token", "[UNK]"},
        {"continuing_subword_prefix", "##"},
        {"max_input_chars_per_word", 8},
        {"vocab", vocab}}}};
  return spec.dump();
}

bool is_valid_utf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    size_t length;
    uint32_t cp;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      length = 2, cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      length = 3, cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      length = 4, cp = c & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t k = 1; k < length; ++k) {
      const auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (next & 0x3F);
    }
    if ((length == 3 && cp < 0x800) || (length == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
        (cp >= 0xD800 && cp <= 0xDFFF))
      return false;
    i += length;
  }
  return true;
}

void check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "tokenizer_encode_fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

std::string stream_decode(const Tokenizer& tokenizer, const std::vector<TokenId>& ids, bool skip_special) {
  StreamDecoder stream(tokenizer, skip_special);
  std::string text;
  for (TokenId id : ids) text += stream.step(id);
  return text + stream.flush();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const Tokenizer byte_level = Tokenizer::from_json(byte_level_bpe_json());
  static const Tokenizer wordpiece = Tokenizer::from_json(wordpiece_json());
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const bool valid = is_valid_utf8(text);

  std::vector<TokenId> previous;
  for (bool special : {false, true}) {
    const auto ids = byte_level.encode(text, special);
    if (special && ids == previous) break;  // the ByteLevel post-processor adds nothing: checked already
    previous = ids;
    for (TokenId id : ids)
      check(id >= 0 && static_cast<size_t>(id) < byte_level.vocab_size(), "byte-level id range");
    const std::string decoded = byte_level.decode(ids, false);
    check(is_valid_utf8(decoded), "byte-level decode is valid UTF-8");
    if (valid) check(decoded == text, "byte-level decode(encode(x)) == x");
    check(stream_decode(byte_level, ids, false) == decoded, "byte-level stream decode == decode");
    check(stream_decode(byte_level, ids, true) == byte_level.decode(ids, true),
          "byte-level stream decode (skip)");
  }

  const auto ids = wordpiece.encode(text, true);
  check(ids.size() >= 2 && ids.front() == 2 && ids.back() == 3, "wordpiece [CLS] ... [SEP]");
  for (TokenId id : ids)
    check(id >= 0 && static_cast<size_t>(id) < wordpiece.vocab_size(), "wordpiece id range");
  const std::string decoded = wordpiece.decode(ids, true);
  check(is_valid_utf8(decoded), "wordpiece decode is valid UTF-8");
  check(stream_decode(wordpiece, ids, true) == decoded, "wordpiece stream decode == decode");
  return 0;
}
