// Tokenizer-level tests: added tokens, models, post-processors, loading and errors. Expected ids were
// produced by Hugging Face tokenizers 0.23.2 from the same tokenizer.json.
#include "text/tokenizer/tokenizer.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/vocabulary.h"

namespace chunkwise::text {
namespace {

using nlohmann::json;
using Ids = std::vector<TokenId>;

json added_tokens_spec() {
  const json vocab = {{"[UNK]", 0}, {"hello", 1}, {"world", 2}, {"<mask>", 3}, {"x", 4},
                      {"<SEP>", 5}, {"a", 6},     {"b", 7},     {"ab", 8},     {"yo", 9}};
  auto token = [](const char* content, int id, bool single_word, bool lstrip, bool rstrip, bool normalized,
                  bool special) {
    return json{{"id", id},          {"content", content}, {"single_word", single_word},
                {"lstrip", lstrip},  {"rstrip", rstrip},   {"normalized", normalized},
                {"special", special}};
  };
  return {
      {"version", "1.0"},
      {"added_tokens",
       {token("<mask>", 3, false, true, false, false, true),
        token("<SEP>", 5, false, false, true, false, true), token("yo", 10, true, false, false, true, false),
        token("HeLLo!", 11, false, false, false, true, false),
        token("[CLS]", 12, false, false, false, false, true)}},
      {"normalizer", {{"type", "Lowercase"}}},
      {"pre_tokenizer", {{"type", "WhitespaceSplit"}}},
      {"post_processor",
       {{"type", "TemplateProcessing"},
        {"single",
         {{{"SpecialToken", {{"id", "[CLS]"}, {"type_id", 0}}}},
          {{"Sequence", {{"id", "A"}, {"type_id", 0}}}},
          {{"SpecialToken", {{"id", "<SEP>"}, {"type_id", 0}}}}}},
        {"pair",
         {{{"Sequence", {{"id", "A"}, {"type_id", 0}}}}, {{"Sequence", {{"id", "B"}, {"type_id", 1}}}}}},
        {"special_tokens",
         {{"[CLS]", {{"id", "[CLS]"}, {"ids", {12}}, {"tokens", {"[CLS]"}}}},
          {"<SEP>", {{"id", "<SEP>"}, {"ids", {5}}, {"tokens", {"<SEP>"}}}}}}}},
      {"decoder", nullptr},
      {"model", {{"type", "WordLevel"}, {"vocab", vocab}, {"unk_token", "[UNK]"}}},
  };
}

TEST(AddedTokens, StripSingleWordNormalizedAndIdsAsHuggingFaceAssignsThem) {
  const Tokenizer t = Tokenizer::from_json(added_tokens_spec().dump());
  struct Case {
    const char* text;
    Ids ids, ids_special;
    const char* decoded;
    const char* decoded_skip;
  };
  // HF keeps the vocabulary id of "yo" (9), and gives the new tokens "HeLLo!" and "[CLS]" ids 10 and 11.
  const Case cases[] = {
      {"hello <mask> world", {1, 3, 2}, {12, 1, 3, 2, 5}, "hello <mask> world <SEP>", "hello world"},
      {"hello   <mask>world", {1, 3, 2}, {12, 1, 3, 2, 5}, "hello <mask> world <SEP>", "hello world"},
      {"a<SEP>   b", {6, 5, 7}, {12, 6, 5, 7, 5}, "a <SEP> b <SEP>", "a b"},
      {"yo hello", {9, 1}, {12, 9, 1, 5}, "yo hello <SEP>", "yo hello"},
      {"ayo b", {0, 7}, {12, 0, 7, 5}, "[UNK] b <SEP>", "[UNK] b"},
      {"yo", {9}, {12, 9, 5}, "yo <SEP>", "yo"},
      {"HELLO! x", {10, 4}, {12, 10, 4, 5}, "hello! x <SEP>", "hello! x"},
      {"hello! X", {10, 4}, {12, 10, 4, 5}, "hello! x <SEP>", "hello! x"},
      {"[CLS]hello", {11, 1}, {12, 11, 1, 5}, "[CLS] hello <SEP>", "hello"},
      {"[cls] zzz", {0, 0}, {12, 0, 0, 5}, "[UNK] [UNK] <SEP>", "[UNK] [UNK]"},
  };
  // The template's special_tokens name ids 12 and 5 literally, as HF does.
  for (const Case& c : cases) {
    EXPECT_EQ(t.encode(c.text, false), c.ids) << c.text;
    EXPECT_EQ(t.encode(c.text, true), c.ids_special) << c.text;
    EXPECT_EQ(t.decode(c.ids_special, false), c.decoded) << c.text;
    EXPECT_EQ(t.decode(c.ids_special, true), c.decoded_skip) << c.text;
  }
  EXPECT_TRUE(t.is_special(3));
  EXPECT_FALSE(t.is_special(9));
  EXPECT_EQ(t.token_to_id("HeLLo!"), 10);
  EXPECT_EQ(t.id_to_token(11), "[CLS]");
  EXPECT_EQ(t.id_to_token(10), "hello!");  // HF gives a normalized added token back normalized
}

json bpe_spec(json model) {
  return {{"version", "1.0"},
          {"added_tokens", json::array()},
          {"normalizer", nullptr},
          {"pre_tokenizer", nullptr},
          {"post_processor", nullptr},
          {"decoder", nullptr},
          {"model", model}};
}

TEST(BpeModel, SubwordPrefixSuffixAndFusedUnk) {
  const json model = {{"type", "BPE"},
                      {"dropout", nullptr},
                      {"unk_token", "<unk>"},
                      {"continuing_subword_prefix", "##"},
                      {"end_of_word_suffix", "</w>"},
                      {"fuse_unk", true},
                      {"byte_fallback", false},
                      {"vocab",
                       {{"<unk>", 0},
                        {"a", 1},
                        {"##b", 2},
                        {"##c", 3},
                        {"##b</w>", 4},
                        {"##c</w>", 5},
                        {"ab", 6},
                        {"abc</w>", 7},
                        {"c</w>", 8},
                        {"a</w>", 9},
                        {"##a", 10},
                        {"ab</w>", 11},
                        {"##a</w>", 12}}},
                      {"merges", {"a ##b", "ab ##c</w>", "a ##b</w>"}}};
  const Tokenizer t = Tokenizer::from_json(bpe_spec(model).dump());
  EXPECT_EQ(t.encode("abc"), (Ids{7}));
  EXPECT_EQ(t.encode("ab"), (Ids{11}));
  EXPECT_EQ(t.encode("a"), (Ids{9}));
  EXPECT_EQ(t.encode("abzzc"), (Ids{6, 0, 5}));
  EXPECT_EQ(t.encode("zz"), (Ids{0}));
  EXPECT_EQ(t.encode("aab"), (Ids{1, 10, 4}));
}

TEST(BpeModel, ByteFallbackAndUnfusedUnk) {
  const json model = {{"type", "BPE"},
                      {"dropout", nullptr},
                      {"unk_token", "<unk>"},
                      {"fuse_unk", false},
                      {"byte_fallback", true},
                      {"vocab", {{"<unk>", 0}, {"a", 1}, {"b", 2}, {"<0xC3>", 3}, {"<0xA9>", 4}, {"ab", 5}}},
                      {"merges", json::array({json::array({"a", "b"})})}};
  const Tokenizer t = Tokenizer::from_json(bpe_spec(model).dump());
  EXPECT_EQ(t.encode("abé"), (Ids{5, 3, 4}));
  EXPECT_EQ(t.encode("xéx"), (Ids{3, 4, 0, 0}));  // HF emits the pending unk after the byte tokens
  EXPECT_EQ(t.encode("ab中a"), (Ids{5, 0, 1}));
  EXPECT_EQ(t.encode("é"), (Ids{3, 4}));
}

TEST(BpeModel, DropoutIsUnsupported) {
  const json model = {{"type", "BPE"}, {"dropout", 0.1}, {"vocab", {{"a", 0}}}, {"merges", json::array()}};
  try {
    Tokenizer::from_json(bpe_spec(model).dump());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("model"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("dropout"), std::string::npos) << e.what();
  }
}

// Found by the tokenizer_json fuzzer: one huge id made the dense id -> token table need gigabytes.
TEST(BpeModel, HugeTokenIdIsAnErrorNotAnAllocation) {
  const json model = {{"type", "BPE"},
                      {"dropout", nullptr},
                      {"vocab", {{"a", 0}, {"b", 777777193}}},
                      {"merges", json::array()}};
  try {
    Tokenizer::from_json(bpe_spec(model).dump());
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("777777193"), std::string::npos) << e.what();
  }
  const json largest = {{"type", "BPE"},
                        {"dropout", nullptr},
                        {"vocab", {{"a", 0}, {"b", int64_t(kMaxVocabularyIds) - 1}}},
                        {"merges", json::array()}};
  EXPECT_EQ(Tokenizer::from_json(bpe_spec(largest).dump()).encode("b"),
            (Ids{int32_t(kMaxVocabularyIds) - 1}));
}

TEST(PostProcessors, BertAndRoberta) {
  json spec = bpe_spec(
      {{"type", "WordLevel"}, {"vocab", {{"[UNK]", 0}, {"a", 1}, {"b", 2}}}, {"unk_token", "[UNK]"}});
  spec["pre_tokenizer"] = {{"type", "WhitespaceSplit"}};
  spec["post_processor"] = {{"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}};
  EXPECT_EQ(Tokenizer::from_json(spec.dump()).encode("a b"), (Ids{101, 1, 2, 102}));
  EXPECT_EQ(Tokenizer::from_json(spec.dump()).encode("a b", false), (Ids{1, 2}));
  spec["post_processor"] = {{"type", "RobertaProcessing"},
                            {"sep", {"</s>", 2}},
                            {"cls", {"<s>", 0}},
                            {"trim_offsets", true},
                            {"add_prefix_space", true}};
  EXPECT_EQ(Tokenizer::from_json(spec.dump()).encode("a b"), (Ids{0, 1, 2, 2}));
  spec["post_processor"] = {
      {"type", "Sequence"},
      {"processors",
       {{{"type", "ByteLevel"}, {"trim_offsets", false}},
        {{"type", "BertProcessing"}, {"sep", {"[SEP]", 102}}, {"cls", {"[CLS]", 101}}}}}};
  EXPECT_EQ(Tokenizer::from_json(spec.dump()).encode("b"), (Ids{101, 2, 102}));
}

template <typename Body>
Error expect_error(Body body) {
  try {
    body();
  } catch (const Error& e) {
    return e;
  }
  ADD_FAILURE() << "expected an Error";
  return Error(ErrorKind::internal, "none");
}

TEST(TokenizerErrors, UnknownComponentTypeNamesTypeAndPath) {
  json spec = bpe_spec({{"type", "WordLevel"}, {"vocab", {{"a", 0}}}, {"unk_token", "a"}});
  spec["pre_tokenizer"] = {{"type", "Sequence"},
                           {"pretokenizers", {{{"type", "WhitespaceSplit"}}, {{"type", "FancySplit"}}}}};
  const Error e = expect_error([&] { Tokenizer::from_json(spec.dump()); });
  EXPECT_EQ(e.kind(), ErrorKind::unsupported);
  EXPECT_NE(std::string(e.what()).find("FancySplit"), std::string::npos) << e.what();
  EXPECT_NE(std::string(e.what()).find("pre_tokenizer: pretokenizers[1]"), std::string::npos) << e.what();

  json unigram = bpe_spec({{"type", "Unigram"}, {"vocab", json::array()}});
  const Error u = expect_error([&] { Tokenizer::from_json(unigram.dump()); });
  EXPECT_EQ(u.kind(), ErrorKind::unsupported);
  EXPECT_NE(std::string(u.what()).find("Unigram"), std::string::npos) << u.what();
}

TEST(TokenizerErrors, MalformedJsonAndStructure) {
  const Error bad = expect_error([] { Tokenizer::from_json("{\"model\": [1, 2"); });
  EXPECT_EQ(bad.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(bad.what()).find("malformed JSON"), std::string::npos) << bad.what();

  json spec = bpe_spec({{"type", "BPE"}, {"vocab", {{"a", 0}}}, {"merges", {"a b"}}});
  const Error merge = expect_error([&] { Tokenizer::from_json(spec.dump()); });
  EXPECT_EQ(merge.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(merge.what()).find("model: merges"), std::string::npos) << merge.what();

  spec = bpe_spec({{"type", "BPE"}, {"merges", json::array()}});
  const Error vocab = expect_error([&] { Tokenizer::from_json(spec.dump()); });
  EXPECT_EQ(vocab.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(vocab.what()).find("vocab"), std::string::npos) << vocab.what();

  spec = bpe_spec({{"type", "WordLevel"}, {"vocab", {{"a", 0}}}});
  spec["normalizer"] = {{"type", "Replace"}, {"content", "x"}};
  const Error field = expect_error([&] { Tokenizer::from_json(spec.dump()); });
  EXPECT_EQ(field.kind(), ErrorKind::invalid_input);
  EXPECT_NE(std::string(field.what()).find("normalizer: missing field 'pattern'"), std::string::npos)
      << field.what();
}

TEST(TokenizerErrors, MissingFile) {
  const Error e = expect_error([] { Tokenizer::load("/nonexistent/dir/tokenizer.json"); });
  EXPECT_EQ(e.kind(), ErrorKind::not_found);
  EXPECT_NE(std::string(e.what()).find("/nonexistent/dir/tokenizer.json"), std::string::npos) << e.what();
}

TEST(TokenizerLoad, ModelDirectoryWithConfigAndChatTemplate) {
  const auto dir = std::filesystem::temp_directory_path() / "chunkwise_tokenizer_load_test";
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "tokenizer.json")
      << bpe_spec({{"type", "WordLevel"}, {"vocab", {{"a", 0}}}, {"unk_token", "a"}});
  std::ofstream(dir / "tokenizer_config.json")
      << json{{"bos_token", {{"content", "<s>"}, {"lstrip", false}}},
              {"eos_token", "</s>"},
              {"add_bos_token", true},
              {"model_max_length", 1e30},
              {"chat_template",
               {{{"name", "default"}, {"template", "{{ x }}"}}, {{"name", "tool_use"}, {"template", "t"}}}}};
  std::ofstream(dir / "special_tokens_map.json")
      << json{{"pad_token", "<pad>"}, {"eos_token", {{"content", "<eos>"}}}};
  {
    const Tokenizer t = Tokenizer::load(dir);
    EXPECT_EQ(t.config().bos_token, "<s>");
    EXPECT_EQ(t.config().eos_token, "<eos>");  // special_tokens_map.json wins, as in transformers
    EXPECT_EQ(t.config().pad_token, "<pad>");
    EXPECT_EQ(t.config().add_bos_token, true);
    EXPECT_EQ(t.config().model_max_length, 0u);
    EXPECT_EQ(t.config().chat_template, "{{ x }}");
  }
  std::ofstream(dir / "chat_template.jinja") << "from file";
  EXPECT_EQ(Tokenizer::load(dir).config().chat_template, "from file");
  std::filesystem::remove_all(dir);
}

TEST(TokenizerEncode, InvalidUtf8IsReplacedLikePython) {
  const json model = {{"type", "WordLevel"},
                      {"vocab", {{"[UNK]", 0}, {"a", 1}, {"\uFFFD", 2}, {"\uFFFD\uFFFD", 3}}},
                      {"unk_token", "[UNK]"}};
  json spec = bpe_spec(model);
  spec["pre_tokenizer"] = {{"type", "WhitespaceSplit"}};
  const Tokenizer t = Tokenizer::from_json(spec.dump());
  // \xE4\xB8 is one maximal invalid subsequence (one U+FFFD); \xFF\xFE are two.
  EXPECT_EQ(t.encode("a \xE4\xB8 \xFF\xFE a"), (Ids{1, 2, 3, 1}));
}

}  // namespace
}  // namespace chunkwise::text
