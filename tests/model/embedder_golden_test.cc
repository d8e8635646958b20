// Golden tests of the embedders against Hugging Face transformers (float32, eager attention; written by
// scripts/make_tiny_models.py on the GPU machine):
// - bert-tiny (BertModel, GELU(erf), WordPiece): our tokenizer gives the golden ids; mean- and CLS-pooled,
//   L2-normalized last_hidden_state match (cosine > 0.9999, max |difference| < 1e-4), packed or one by one;
// - qwen3-embedder (Qwen3Model, no LM head): last-token pooling of the final-norm hidden state, raw and
//   normalized.
// Plus the pooling defaults (1_Pooling/config.json), the length limit and truncation, and the errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/embedder.h"
#include "model/encoder_model.h"
#include "runtime/tensor.h"
#include "support/expect_error.h"
#include "support/vectors.h"

namespace chunkwise::model {
namespace {

namespace fs = std::filesystem;
using chunkwise::testing::expect_error;

const fs::path kTinyModels = fs::path(CHUNKWISE_TEST_DATA) / "models" / "tiny-models";
const fs::path kBert = kTinyModels / "bert-tiny" / "tf5";
const fs::path kQwen3 = kTinyModels / "qwen3-embedder" / "tf5";
constexpr double kMinCosine = 0.9999;
constexpr float kMaxDifference = 1e-4f;

nlohmann::json read_golden(const std::string& model) {
  std::ifstream in(kTinyModels / model / "golden" / "golden.json");
  if (!in) throw std::runtime_error("cannot read the golden of " + model);
  return nlohmann::json::parse(in);
}

using chunkwise::testing::cosine;

float max_abs_difference(const std::vector<float>& a, const std::vector<float>& b) {
  float worst = 0;
  for (size_t i = 0; i < a.size(); ++i) worst = std::max(worst, std::abs(a[i] - b[i]));
  return worst;
}

// Asserts `actual` matches `expected` to the golden tolerances and records the measured values.
void expect_matches(const std::vector<float>& actual, const std::vector<float>& expected,
                    const std::string& what) {
  ASSERT_EQ(actual.size(), expected.size()) << what;
  const double c = cosine(actual, expected);
  const float d = max_abs_difference(actual, expected);
  EXPECT_GT(c, kMinCosine) << what;
  EXPECT_LT(d, kMaxDifference) << what;
  ::testing::Test::RecordProperty(what, std::to_string(1 - c) + " " + std::to_string(d));
  std::printf("%-40s 1 - cosine %.3g, max |difference| %.3g\n", what.c_str(), 1 - c, double(d));
}

std::vector<std::vector<int32_t>> golden_ids(const nlohmann::json& golden) {
  std::vector<std::vector<int32_t>> ids;
  for (const auto& prompt : golden["prompts"]) ids.push_back(prompt["ids"].get<std::vector<int32_t>>());
  return ids;
}

// A copy of a model directory (symlinked files) that a test may add files to.
struct ScratchModel {
  fs::path dir;
  explicit ScratchModel(const fs::path& source, const std::string& name) {
    dir = fs::temp_directory_path() / ("chunkwise_embedder_" + name + "_" + std::to_string(::getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    for (const auto& entry : fs::directory_iterator(source))
      fs::create_symlink(fs::absolute(entry.path()), dir / entry.path().filename());
  }
  ~ScratchModel() { fs::remove_all(dir); }
  void write(const fs::path& relative, const std::string& text) const {
    fs::create_directories((dir / relative).parent_path());
    std::ofstream(dir / relative) << text;
  }
};

// ---- BERT
// ----------------------------------------------------------------------------------------------------

TEST(BertEmbedder, GoldensAreDistinct) {
  // The test can fail: mean and CLS pooling give different vectors, so comparing with the wrong one would.
  const nlohmann::json golden = read_golden("bert-tiny");  // a named object: the loop must not outlive it
  for (const auto& prompt : golden["prompts"]) {
    const auto mean = prompt["mean"].get<std::vector<float>>();
    const auto cls = prompt["cls"].get<std::vector<float>>();
    EXPECT_LT(cosine(mean, cls), 0.999) << prompt["name"];
    EXPECT_GT(max_abs_difference(mean, cls), 10 * kMaxDifference) << prompt["name"];
  }
}

TEST(BertEmbedder, TokenizerGivesTheGoldenIds) {
  const Embedder embedder = Embedder::load(kBert);
  const nlohmann::json golden = read_golden("bert-tiny");
  for (const auto& prompt : golden["prompts"])
    EXPECT_EQ(embedder.tokenize(prompt["text"].get<std::string>()), prompt["ids"].get<std::vector<int32_t>>())
        << prompt["name"];
}

TEST(BertEmbedder, MeanPoolingIsTheDefaultAndMatchesTransformers) {
  const nlohmann::json golden = read_golden("bert-tiny");
  const Embedder embedder = Embedder::load(kBert);
  EXPECT_EQ(embedder.pooling(), Pooling::mean);
  EXPECT_EQ(embedder.dimension(), 32);
  EXPECT_EQ(embedder.max_tokens(), 256);
  std::vector<std::string> texts;
  for (const auto& prompt : golden["prompts"]) texts.push_back(prompt["text"].get<std::string>());
  const auto embeddings = embedder.embed(texts);  // all texts in one packed batch
  ASSERT_EQ(embeddings.size(), texts.size());
  for (size_t i = 0; i < texts.size(); ++i) {
    const auto& prompt = golden["prompts"][i];
    expect_matches(embeddings[i], prompt["mean"].get<std::vector<float>>(),
                   "bert-tiny mean " + prompt["name"].get<std::string>());
    EXPECT_LT(cosine(embeddings[i], prompt["cls"].get<std::vector<float>>()), 0.999);
  }
}

TEST(BertEmbedder, ClsPoolingMatchesTransformers) {
  const nlohmann::json golden = read_golden("bert-tiny");
  const Embedder embedder = Embedder::load(kBert, {.pooling = Pooling::cls});
  const auto embeddings = embedder.embed_tokens(golden_ids(golden));
  for (size_t i = 0; i < embeddings.size(); ++i) {
    const auto& prompt = golden["prompts"][i];
    expect_matches(embeddings[i], prompt["cls"].get<std::vector<float>>(),
                   "bert-tiny cls " + prompt["name"].get<std::string>());
  }
}

TEST(BertEmbedder, PackedBatchEqualsOneByOne) {
  const auto ids = golden_ids(read_golden("bert-tiny"));
  const Embedder embedder = Embedder::load(kBert);
  const auto packed = embedder.embed_tokens(ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto alone = embedder.embed_tokens(std::span(&ids[i], 1));
    EXPECT_LT(max_abs_difference(packed[i], alone[0]), 1e-6f) << i;
  }
}

TEST(BertEmbedder, WithoutNormalizationTheNormIsNotOne) {
  const auto ids = golden_ids(read_golden("bert-tiny"));
  const Embedder raw = Embedder::load(kBert, {.normalize = false});
  const Embedder normalized = Embedder::load(kBert);
  const auto a = raw.embed_tokens(ids);
  const auto b = normalized.embed_tokens(ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    double norm = 0;
    for (float v : a[i]) norm += double(v) * v;
    EXPECT_GT(std::abs(std::sqrt(norm) - 1), 1e-2) << i;
    EXPECT_GT(cosine(a[i], b[i]), 1 - 1e-6);
  }
}

TEST(BertEmbedder, EncoderModelGivesOneRowPerToken) {
  const EncoderModel model = EncoderModel::load(kBert);
  EncoderBatch batch;
  const std::vector<int32_t> first = {2, 8527, 2595, 3}, second = {2, 3};
  batch.add_sequence(first);
  batch.add_sequence(second);
  const runtime::Tensor hidden = model.hidden_states(batch);
  EXPECT_EQ(hidden.shape(), (runtime::Shape{6, 32}));
  expect_error([&] { model.hidden_states(EncoderBatch{}); }, ErrorKind::invalid_input, "no tokens");
  EncoderBatch too_long;
  too_long.add_sequence(std::vector<int32_t>(257, 5));
  expect_error([&] { model.hidden_states(too_long); }, ErrorKind::invalid_input,
               "sequence 0 has 257 tokens; BertModel takes at most 256");
  EncoderBatch bad_id;
  bad_id.add_sequence(std::vector<int32_t>{2, 8729, 3});
  expect_error([&] { model.hidden_states(bad_id); }, ErrorKind::invalid_input, "token id 8729");
  expect_error([&] { EncoderModel::load(kQwen3); }, ErrorKind::invalid_input, "is a decoder, not an encoder");
}

TEST(BertEmbedder, LongTextsFailOrAreTruncatedKeepingSep) {
  std::string text;
  for (int i = 0; i < 300; ++i) text += "the ";
  const Embedder strict = Embedder::load(kBert);
  expect_error([&] { strict.tokenize(text); }, ErrorKind::invalid_input,
               "the text is 302 tokens long; the model takes at most 256 (max_position_embeddings)");
  const std::vector<std::string> texts = {text};
  expect_error([&] { strict.embed(texts); }, ErrorKind::invalid_input, "text 0: the text is 302 tokens");
  const Embedder truncating = Embedder::load(kBert, {.truncate = true});
  const auto ids = truncating.tokenize(text);
  ASSERT_EQ(ids.size(), 256u);
  EXPECT_EQ(ids.front(), 2);  // [CLS]
  EXPECT_EQ(ids.back(), 3);   // [SEP] stays last
  EXPECT_EQ(truncating.embed(texts)[0].size(), 32u);
}

TEST(BertEmbedder, SentenceTransformersConfigSetsPoolingAndLength) {
  const auto ids = golden_ids(read_golden("bert-tiny"));
  ScratchModel model(kBert, "st");
  model.write(
      "1_Pooling/config.json",
      R"({"word_embedding_dimension": 32, "pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false,
                  "pooling_mode_max_tokens": false, "pooling_mode_lasttoken": false})");
  model.write("sentence_bert_config.json", R"({"max_seq_length": 8, "do_lower_case": false})");
  const Embedder embedder = Embedder::load(model.dir);
  EXPECT_EQ(embedder.pooling(), Pooling::cls);
  EXPECT_EQ(embedder.max_tokens(), 8);
  expect_error([&] { embedder.tokenize("The quick brown fox jumps over the lazy dog."); },
               ErrorKind::invalid_input, "at most 8 (max_seq_length in sentence_bert_config.json)");
  // An explicit pooling wins over the directory's.
  EXPECT_EQ(Embedder::load(model.dir, {.pooling = Pooling::mean}).pooling(), Pooling::mean);

  model.write("1_Pooling/config.json",
              R"({"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true})");
  expect_error([&] { Embedder::load(model.dir); }, ErrorKind::unsupported, "2 pooling modes are set");
  model.write("1_Pooling/config.json", R"({"pooling_mode_max_tokens": true})");
  expect_error([&] { Embedder::load(model.dir); }, ErrorKind::unsupported,
               "pooling_mode_max_tokens is not supported");
  model.write("1_Pooling/config.json", R"({"pooling_mode": "lasttoken"})");
  EXPECT_EQ(Embedder::load(model.dir).pooling(), Pooling::last_token);
  model.write("1_Pooling/config.json", R"([1, 2])");
  expect_error([&] { Embedder::load(model.dir); }, ErrorKind::invalid_input, "1_Pooling/config.json");
}

// ---- Qwen3 as an embedder
// ------------------------------------------------------------------------------------

TEST(Qwen3Embedder, LastTokenPoolingMatchesTransformers) {
  const nlohmann::json golden = read_golden("qwen3-embedder");
  const Embedder embedder = Embedder::load(kQwen3);
  EXPECT_EQ(embedder.pooling(), Pooling::last_token);
  EXPECT_EQ(embedder.dimension(), 64);
  const auto ids = golden_ids(golden);
  const auto embeddings = embedder.embed_tokens(ids);  // all prompts in one batch, one cache
  const Embedder raw = Embedder::load(kQwen3, {.normalize = false});
  const auto hidden = raw.embed_tokens(ids);
  for (size_t i = 0; i < ids.size(); ++i) {
    const auto& prompt = golden["prompts"][i];
    const std::string name = prompt["name"].get<std::string>();
    expect_matches(embeddings[i], prompt["embedding"].get<std::vector<float>>(), "qwen3-embedder " + name);
    expect_matches(hidden[i], prompt["last_token"].get<std::vector<float>>(), "qwen3-embedder raw " + name);
    // One by one: the same.
    EXPECT_LT(max_abs_difference(embedder.embed_tokens(std::span(&ids[i], 1))[0], embeddings[i]), 1e-6f);
  }
  // Distinct prompts, distinct embeddings.
  EXPECT_LT(cosine(embeddings[0], embeddings[1]), 0.999);
}

TEST(Qwen3Embedder, TextsTokenizeWithoutSpecialTokensToTheGoldenIds) {
  // The golden ids were made with add_special_tokens=False; this tokenizer adds none.
  const nlohmann::json golden = read_golden("qwen3-embedder");
  const Embedder embedder = Embedder::load(kQwen3);
  EXPECT_EQ(embedder.tokenize("Hello"), golden["prompts"][0]["ids"].get<std::vector<int32_t>>());
  EXPECT_EQ(embedder.tokenize("The quick brown fox jumps over the lazy dog."),
            golden["prompts"][1]["ids"].get<std::vector<int32_t>>());
  EXPECT_EQ(
      embedder.tokenize(
          "Once upon a time, in a small village at the edge of a great forest, there lived an old clockmaker "
          "who counted everything: one, two, three, four, five, six, seven, eight, nine, ten. Every morning "
          "he walked to the river, listened to the water, and wrote down the numbers he heard in a little "
          "book with a red cover."),
      golden["prompts"][3]["ids"].get<std::vector<int32_t>>());
  expect_error([&] { embedder.tokenize(""); }, ErrorKind::invalid_input, "the text has no tokens");
}

TEST(Qwen3Embedder, MeanAndClsPoolingOfADecoderAreItsHiddenStates) {
  const auto ids = golden_ids(read_golden("qwen3-embedder"));
  const auto last =
      Embedder::load(kQwen3, {.pooling = Pooling::last_token, .normalize = false}).embed_tokens(ids);
  const auto first = Embedder::load(kQwen3, {.pooling = Pooling::cls, .normalize = false}).embed_tokens(ids);
  const auto mean = Embedder::load(kQwen3, {.pooling = Pooling::mean, .normalize = false}).embed_tokens(ids);
  // A one-token prefix of a sequence: its last token is its first, and its mean.
  const std::vector<std::vector<int32_t>> one = {{ids[1][0]}};
  const auto alone = Embedder::load(kQwen3, {.normalize = false}).embed_tokens(one);
  EXPECT_LT(max_abs_difference(alone[0], first[1]), 1e-5f);
  EXPECT_GT(max_abs_difference(mean[1], last[1]), 1e-3f);
  EXPECT_GT(max_abs_difference(mean[1], first[1]), 1e-3f);
}

// ---- errors
// --------------------------------------------------------------------------------------------------

TEST(Embedder, CausalLanguageModelsNeedAnExplicitPooling) {
  const fs::path lm = kTinyModels / "qwen3-qk-norm" / "tf5";
  expect_error([&] { Embedder::load(lm); }, ErrorKind::invalid_input,
               "Qwen3ForCausalLM is a causal language model (it has an LM head), not an embedding model");
  const Embedder embedder = Embedder::load(lm, {.pooling = Pooling::last_token});
  const std::vector<std::string> texts = {"Hello"};
  EXPECT_EQ(embedder.embed(texts)[0].size(), size_t(embedder.dimension()));
}

TEST(Embedder, MissingDirectoryAndBadPoolingNames) {
  expect_error([&] { Embedder::load("/no/such/model"); }, ErrorKind::not_found, "/no/such/model");
  EXPECT_EQ(parse_pooling("last"), Pooling::last_token);
  EXPECT_EQ(parse_pooling("last_token"), Pooling::last_token);
  EXPECT_EQ(parse_pooling("cls"), Pooling::cls);
  EXPECT_EQ(parse_pooling("mean"), Pooling::mean);
  expect_error([&] { parse_pooling("max"); }, ErrorKind::invalid_input,
               "unknown pooling 'max' (mean, cls, last)");
  const Embedder embedder = Embedder::load(kBert);
  EXPECT_TRUE(embedder.embed_tokens({}).empty());
  const std::vector<std::vector<int32_t>> empty = {{2, 3}, {}};
  expect_error([&] { embedder.embed_tokens(empty); }, ErrorKind::invalid_input, "sequence 1 has no tokens");
}

}  // namespace
}  // namespace chunkwise::model
