// StreamDecoder on byte-token streams that never complete a character (the window stays small, the text is
// decode()'s), and the BPE word split of SentencePiece-style tokenizers (ids equal to merging whole lines).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <random>

#include "text/tokenizer/byte_level_alphabet.h"
#include "text/tokenizer/tokenizer.h"

namespace chunkwise::text {
namespace {

using nlohmann::json;
using Ids = std::vector<TokenId>;

constexpr const char* kSpace = "\xE2\x96\x81";  // "▁"

// A Llama 2 style tokenizer: Prepend "▁" + Replace " " -> "▁", no pre-tokenizer, BPE with byte fallback
// (<0xAB> = id 3 + 0xAB), and Llama 2's decoder. `extra_merges` come after the listed ones.
std::string sentencepiece_json(const std::vector<std::pair<std::string, std::string>>& extra_merges = {}) {
  json vocab = {{"<unk>", 0}, {"<s>", 1}, {"</s>", 2}};
  for (int b = 0; b < 256; ++b) vocab[fmt::format("<0x{:02X}>", b)] = 3 + b;
  std::vector<std::pair<std::string, std::string>> merges = {
      {kSpace, kSpace},  {"a", "b"},
      {kSpace, "a"},     {kSpace + std::string("a"), "b"},
      {"b", "a"},        {kSpace, "ab"},
      {"\xC3\xA9", "a"}, {std::string(kSpace) + kSpace, std::string(kSpace) + kSpace},
      {"b", "b"}};
  merges.insert(merges.end(), extra_merges.begin(), extra_merges.end());
  for (const char* token : {kSpace, "a", "b", "\xC3\xA9", "x"}) vocab[token] = static_cast<int>(vocab.size());
  json merge_list = json::array();
  for (const auto& [left, right] : merges) {
    for (const std::string& token : {left, right, left + right})
      if (!vocab.contains(token)) vocab[token] = static_cast<int>(vocab.size());
    merge_list.push_back(left + " " + right);
  }
  const json decoder = {{"type", "Sequence"},
                        {"decoders",
                         {{{"type", "Replace"}, {"pattern", {{"String", kSpace}}}, {"content", " "}},
                          {{"type", "ByteFallback"}},
                          {{"type", "Fuse"}},
                          {{"type", "Strip"}, {"content", " "}, {"start", 1}, {"stop", 0}}}}};
  const json normalizer = {{"type", "Sequence"},
                           {"normalizers",
                            {{{"type", "Prepend"}, {"prepend", kSpace}},
                             {{"type", "Replace"}, {"pattern", {{"String", " "}}}, {"content", kSpace}}}}};
  return json{{"version", "1.0"},
              {"added_tokens", json::array()},
              {"normalizer", normalizer},
              {"pre_tokenizer", nullptr},
              {"post_processor", nullptr},
              {"decoder", decoder},
              {"model",
               {{"type", "BPE"},
                {"dropout", nullptr},
                {"unk_token", "<unk>"},
                {"fuse_unk", true},
                {"byte_fallback", true},
                {"vocab", vocab},
                {"merges", merge_list}}}}
      .dump();
}

// A GPT-2 style byte-level tokenizer: the 256 alphabet characters (id = byte), no merges.
std::string byte_level_json() {
  json vocab = json::object();
  for (int b = 0; b < 256; ++b)
    vocab[std::string(ByteLevelAlphabet::get().encode(static_cast<uint8_t>(b)))] = b;
  const json byte_level = {
      {"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  return json{{"version", "1.0"},
              {"added_tokens", json::array()},
              {"normalizer", nullptr},
              {"pre_tokenizer", byte_level},
              {"post_processor", nullptr},
              {"decoder", byte_level},
              {"model", {{"type", "BPE"}, {"dropout", nullptr}, {"vocab", vocab}, {"merges", json::array()}}}}
      .dump();
}

struct Streamed {
  std::string before_flush;
  std::string text;  // before_flush + flush()
  size_t max_window = 0;
};

Streamed stream(const Tokenizer& tokenizer, const Ids& ids) {
  StreamDecoder decoder(tokenizer);
  Streamed out;
  for (const TokenId id : ids) {
    out.before_flush += decoder.step(id);
    out.max_window = std::max(out.max_window, decoder.window_size());
  }
  out.text = out.before_flush + decoder.flush();
  return out;
}

Ids repeat(const Ids& pattern, size_t count) {
  Ids ids;
  for (size_t i = 0; i < count; ++i) ids.push_back(pattern[i % pattern.size()]);
  return ids;
}

TEST(StreamDecoder, ByteFallbackRunThatNeverCompletesIsEmittedAsDecodeShowsIt) {
  const Tokenizer t = Tokenizer::from_json(sentencepiece_json());
  auto byte = [](int b) { return 3 + b; };
  const TokenId a = *t.token_to_id(std::string(kSpace) + "a");
  // E2 82 E2 82 ...: every prefix is invalid, so decode gives one U+FFFD per byte.
  for (const Ids& pattern :
       {Ids{byte(0xE2), byte(0x82)}, Ids{byte(0xF0), byte(0x9F)}, Ids{byte(0xFF)}, Ids{byte(0x82)},
        Ids{byte(0xE2), byte(0x82), byte(0xE2), byte(0x82), byte(0xAC)}}) {
    for (const bool framed : {false, true}) {
      Ids ids = repeat(pattern, 3000);
      if (framed) {
        ids.insert(ids.begin(), a);
        ids.push_back(a);
      }
      const std::string full = t.decode(ids);
      const Streamed s = stream(t, ids);
      EXPECT_EQ(s.text, full);
      EXPECT_LE(s.max_window, 8u);
      EXPECT_GE(s.before_flush.size() + 12, full.size());  // emitted as it goes, not at flush()
    }
  }
}

TEST(StreamDecoder, ValidByteFallbackRunsAndMixedStreamsEqualDecode) {
  const Tokenizer t = Tokenizer::from_json(sentencepiece_json());
  auto byte = [](int b) { return 3 + b; };
  const TokenId a = *t.token_to_id(std::string(kSpace) + "a");
  // "€" as bytes, 500 times, then a word: held while the run could still turn invalid, then emitted.
  Ids ids = repeat({byte(0xE2), byte(0x82), byte(0xAC)}, 1500);
  ids.push_back(a);
  EXPECT_EQ(stream(t, ids).text, t.decode(ids));
  // Random mixes of words and byte tokens: runs that stay valid, invalid ones, and incomplete ones.
  std::mt19937 rng(7);
  int retracted = 0;
  const int bytes[] = {0xE2, 0x82, 0xAC, 0xC3, 0xA9, 0xF0, 0x9F, 0x98, 0x80, 0x41, 0xFF};
  for (int round = 0; round < 300; ++round) {
    Ids mixed;
    for (int k = rng() % 40; k > 0; --k)
      mixed.push_back(rng() % 4 == 0 ? a : byte(bytes[rng() % std::size(bytes)]));
    const std::string full = t.decode(mixed);
    const Streamed s = stream(t, mixed);
    // A ByteFallback run turns into U+FFFD as a whole once any of its bytes is invalid; characters of it
    // that were already emitted cannot be taken back. Otherwise the text is decode()'s.
    if (!full.starts_with(s.before_flush)) {
      ++retracted;
      continue;
    }
    EXPECT_EQ(s.text, full) << ::testing::PrintToString(mixed);
  }
  EXPECT_LT(retracted, 100);
}

TEST(StreamDecoder, ByteLevelIncompleteAndReplacementCharactersStayBounded) {
  const Tokenizer t = Tokenizer::from_json(byte_level_json());
  for (const Ids& pattern : {Ids{0xE2, 0x82}, Ids{0xEF, 0xBF, 0xBD}, Ids{0xF0, 0x9F, 0x98}, Ids{0x80}}) {
    const Ids ids = repeat(pattern, 3000);
    const std::string full = t.decode(ids);
    const Streamed s = stream(t, ids);
    EXPECT_EQ(s.text, full);
    EXPECT_LE(s.max_window, 8u);
    EXPECT_GE(s.before_flush.size() + 12, full.size());
  }
  std::mt19937 rng(11);
  for (int round = 0; round < 300; ++round) {
    Ids ids;
    for (int k = rng() % 60; k > 0; --k) ids.push_back(rng() % 3 == 0 ? 'a' : 0x80 + rng() % 128);
    const Streamed s = stream(t, ids);
    EXPECT_EQ(s.text, t.decode(ids)) << ::testing::PrintToString(ids);
    EXPECT_LE(s.max_window, 8u);
  }
}

// Random text over an alphabet that exercises "▁" runs, merges at word starts, byte fallback and unknowns.
std::vector<std::string> random_texts() {
  const char* pieces[] = {
      "a", "b", " ", "  ", kSpace, "\xC3\xA9", "\xE4\xB8\xAD", "x", "y", "\xF0\x9F\x98\x80"};
  std::mt19937 rng(3);
  std::vector<std::string> texts;
  for (int i = 0; i < 2000; ++i) {
    std::string text;
    for (int k = rng() % 24; k > 0; --k) text += pieces[rng() % std::size(pieces)];
    texts.push_back(text);
  }
  return texts;
}

TEST(BpeMetaspaceSplit, WordByWordEqualsWholeLine) {
  // The first tokenizer may split lines into words; the second has a merge that joins a token ending in a
  // byte with one starting with "▁", so it must merge whole lines. The merge needs byte 0xFF, which valid
  // UTF-8 never holds, so both must give the same ids.
  const Tokenizer split = Tokenizer::from_json(sentencepiece_json());
  const Tokenizer whole = Tokenizer::from_json(sentencepiece_json({{"<0xFF>", kSpace}}));
  for (const std::string& text : random_texts()) EXPECT_EQ(split.encode(text), whole.encode(text)) << text;
}

TEST(BpeMetaspaceSplit, MergeAcrossSpaceKeepsWholeLineMerging) {
  // "a ▁" joins a word's end with the next word's "▁": splitting at "▁" would be wrong here.
  const Tokenizer t = Tokenizer::from_json(sentencepiece_json({{"a", kSpace}}));
  const std::string a_space_text = std::string("a") + kSpace;
  const TokenId space = *t.token_to_id(kSpace), x = *t.token_to_id("x"), a = *t.token_to_id("a");
  const TokenId space_a = *t.token_to_id(std::string(kSpace) + "a"), a_space = *t.token_to_id(a_space_text);
  // "▁x▁a": only "▁ a" applies. "▁xa▁": only "a ▁", across the split point (word by word: ▁ x a ▁).
  EXPECT_EQ(t.encode("x a", false), (Ids{space, x, space_a}));
  EXPECT_EQ(t.encode("xa ", false), (Ids{space, x, a_space}));
  // "▁xa▁a": "▁ a" (rank 2) beats "a ▁" (the last merge).
  EXPECT_EQ(t.encode("xa a", false), (Ids{space, x, a, space_a}));
}

}  // namespace
}  // namespace chunkwise::text
