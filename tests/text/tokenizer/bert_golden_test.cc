// The BERT-style and synthetic fixtures of tests/data/tokenizers against the goldens Hugging Face
// `tokenizers` wrote for every corpus line (scripts/gen_bert_fixture.mjs): identical ids with and without
// special tokens, identical decode with and without skip_special_tokens, and streaming decode equal to
// decode.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "text/tokenizer/tokenizer.h"

namespace chunkwise::text {
namespace {

const std::filesystem::path kData = CHUNKWISE_TEST_DATA;

struct GoldenLine {
  std::string text;
  std::vector<TokenId> ids;
  std::vector<TokenId> ids_special;
  std::string decoded;
  std::string decoded_skip_special;
};

std::string decode_base64(std::string_view text) {
  std::string out;
  uint32_t bits = 0;
  int count = 0;
  for (char c : text) {
    int value;
    if (c >= 'A' && c <= 'Z')
      value = c - 'A';
    else if (c >= 'a' && c <= 'z')
      value = c - 'a' + 26;
    else if (c >= '0' && c <= '9')
      value = c - '0' + 52;
    else if (c == '+')
      value = 62;
    else if (c == '/')
      value = 63;
    else
      continue;  // '=' padding
    bits = (bits << 6) | static_cast<uint32_t>(value);
    count += 6;
    if (count >= 8) {
      count -= 8;
      out.push_back(static_cast<char>((bits >> count) & 0xFF));
    }
  }
  return out;
}

// A corpus line is {"text": ...} or, for bytes that are not valid UTF-8, {"base64": ...}.
std::vector<GoldenLine> read_golden(const std::string& name) {
  std::ifstream in(kData / "golden/tokenizer" / (name + ".jsonl"));
  std::vector<GoldenLine> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto j = nlohmann::json::parse(line);
    std::string text = j.contains("text") ? j.at("text").get<std::string>()
                                          : decode_base64(j.at("base64").get<std::string>());
    lines.push_back(
        {std::move(text), j.at("ids"), j.at("ids_special"), j.at("decoded"), j.at("decoded_skip_special")});
  }
  return lines;
}

class BertGoldenTest : public ::testing::TestWithParam<std::string> {};

TEST_P(BertGoldenTest, EncodeAndDecodeEqualHuggingFace) {
  const Tokenizer tokenizer = Tokenizer::load(kData / "tokenizers" / GetParam() / "tokenizer.json");
  const std::vector<GoldenLine> golden = read_golden(GetParam());
  ASSERT_FALSE(golden.empty());
  for (const GoldenLine& line : golden) {
    SCOPED_TRACE(line.text);
    EXPECT_EQ(tokenizer.encode(line.text, false), line.ids);
    EXPECT_EQ(tokenizer.encode(line.text, true), line.ids_special);
    EXPECT_EQ(tokenizer.decode(line.ids_special, false), line.decoded);
    EXPECT_EQ(tokenizer.decode(line.ids_special, true), line.decoded_skip_special);
  }
}

TEST_P(BertGoldenTest, BatchEncodeEqualsOneByOne) {
  const Tokenizer tokenizer = Tokenizer::load(kData / "tokenizers" / GetParam() / "tokenizer.json");
  const std::vector<GoldenLine> golden = read_golden(GetParam());
  std::vector<std::string> texts;
  for (const GoldenLine& line : golden) texts.push_back(line.text);
  const auto batch = tokenizer.encode_batch(texts, true, 2);
  ASSERT_EQ(batch.size(), golden.size());
  for (size_t i = 0; i < golden.size(); ++i) EXPECT_EQ(batch[i], golden[i].ids_special) << golden[i].text;
}

TEST_P(BertGoldenTest, StreamingDecodeEqualsDecode) {
  const Tokenizer tokenizer = Tokenizer::load(kData / "tokenizers" / GetParam() / "tokenizer.json");
  for (const GoldenLine& line : read_golden(GetParam())) {
    StreamDecoder stream(tokenizer, true);
    std::string text;
    for (TokenId id : line.ids_special) text += stream.step(id);
    text += stream.flush();
    EXPECT_EQ(text, tokenizer.decode(line.ids_special, true)) << line.text;
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, BertGoldenTest,
                         ::testing::Values("bert-uncased", "bert-cased", "synthetic-bpe-nfkc",
                                           "synthetic-bpe-split", "synthetic-metaspace"),
                         [](const auto& info) {
                           std::string name = info.param;
                           for (char& c : name)
                             if (c == '-') c = '_';
                           return name;
                         });

}  // namespace
}  // namespace chunkwise::text
