#include "model/safetensors.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "common/error.h"
#include "support/expect_error.h"
#include "model/checkpoint.h"
#include "model/half_float.h"
#include "safetensors_writer.h"

namespace chunkwise::model {
namespace {

using chunkwise::testing::expect_error;
using ::testing::HasSubstr;
using testing::make_tensor;
using testing::safetensors_bytes;
using testing::safetensors_bytes_with_header;
using testing::TensorBytes;

std::span<const std::byte> as_bytes(const std::string& text) {
  return std::as_bytes(std::span(text.data(), text.size()));
}

void expect_header_error(const std::string& file, const std::string& fragment) {
  expect_error([&] { parse_safetensors_header(as_bytes(file)); }, ErrorKind::invalid_input, fragment);
}

TEST(SafetensorsHeader, ParsesTensorsAndMetadata) {
  const std::string file = safetensors_bytes({
      make_tensor("b.weight", "F32", {2, 3}),
      make_tensor("a.bias", "BF16", {3}),
      make_tensor("empty", "F16", {0, 4}),
      make_tensor("ids", "I64", {2}),
  });
  const SafetensorsHeader header = parse_safetensors_header(as_bytes(file));
  ASSERT_EQ(header.tensors.size(), 4u);
  EXPECT_EQ(header.metadata.at("format"), "pt");
  EXPECT_EQ(header.data_offset % 8, 0u);
  const TensorInfo* weight = header.find("b.weight");
  ASSERT_NE(weight, nullptr);
  EXPECT_EQ(weight->dtype, DType::f32);
  EXPECT_EQ(weight->shape, (std::vector<int64_t>{2, 3}));
  EXPECT_EQ(weight->data_begin, 0u);
  EXPECT_EQ(weight->data_end, 24u);
  EXPECT_EQ(weight->numel(), 6u);
  EXPECT_EQ(header.find("a.bias")->dtype, DType::bf16);
  EXPECT_EQ(header.find("empty")->numel(), 0u);
  EXPECT_EQ(header.find("ids")->dtype, DType::i64);  // recognised, unsupported only when used
  EXPECT_EQ(header.find("missing"), nullptr);
  EXPECT_EQ(header.tensors.front().name, "a.bias");  // sorted by name
}

TEST(SafetensorsHeader, AcceptsEmptyHeaderObject) {
  const auto header = parse_safetensors_header(as_bytes(safetensors_bytes_with_header("{}", 0)));
  EXPECT_TRUE(header.tensors.empty());
}

TEST(SafetensorsHeader, RejectsBadLengthAndJson) {
  expect_header_error("abc", "too short");
  expect_header_error(std::string("\xff\x00\x00\x00\x00\x00\x00\x00", 8) + "{}",
                      "header length 255 past end of file");
  expect_header_error(std::string(8, '\xff'), "past end of file");
  expect_header_error(safetensors_bytes_with_header("{\"a\": ", 0), "not valid JSON");
  expect_header_error(safetensors_bytes_with_header("[1, 2]", 0), "expected a JSON object, got array");
  expect_header_error(safetensors_bytes_with_header("{\"__metadata__\": 3}", 0),
                      "__metadata__: expected an object");
}

TEST(SafetensorsHeader, RejectsBadTensorEntries) {
  auto file = [](const std::string& entry, size_t data = 64) {
    return safetensors_bytes_with_header("{\"t\": " + entry + "}", data);
  };
  expect_header_error(file("5"), "tensor 't': expected an object");
  expect_header_error(file(R"({"shape": [1], "data_offsets": [0, 4]})"), "tensor 't': missing \"dtype\"");
  expect_header_error(file(R"({"dtype": "F32", "data_offsets": [0, 4]})"), "missing \"shape\"");
  expect_header_error(file(R"({"dtype": "F32", "shape": [1]})"), "missing \"data_offsets\"");
  expect_header_error(file(R"({"dtype": "Q4_K", "shape": [1], "data_offsets": [0, 4]})"),
                      "unknown dtype 'Q4_K'");
  expect_header_error(file(R"({"dtype": 7, "shape": [1], "data_offsets": [0, 4]})"),
                      "dtype: expected a string");
  expect_header_error(file(R"({"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]})"),
                      "non-negative integers");
  expect_header_error(file(R"({"dtype": "F32", "shape": [1.5], "data_offsets": [0, 4]})"),
                      "non-negative integers");
  expect_header_error(file(R"({"dtype": "F32", "shape": [1], "data_offsets": [0]})"),
                      "expected [begin, end]");
  expect_header_error(file(R"({"dtype": "F32", "shape": [1], "data_offsets": [8, 4]})"), "end before begin");
  expect_header_error(file(R"({"dtype": "F32", "shape": [2], "data_offsets": [0, 4]})"),
                      "hold 4 bytes but shape [2] of F32 needs 8 bytes");
  expect_header_error(
      file(R"({"dtype": "F32", "shape": [4294967296, 4294967296, 4], "data_offsets": [0, 4]})"),
      "more than 2^64");
  expect_header_error(file(R"({"dtype": "F4", "shape": [3], "data_offsets": [0, 2]})"), "not whole bytes");
}

TEST(SafetensorsHeader, DeeplyNestedHeaderIsRejectedWithoutRecursion) {
  const std::string deep = std::string(200000, '[') + std::string(200000, ']');
  expect_header_error(safetensors_bytes_with_header(R"({"t": {"dtype": "F32", "shape": )" + deep + "}}", 0),
                      "shape: expected non-negative integers, got an array of 1");
}

TEST(SafetensorsHeader, RejectsOffsetsPastEndOfFile) {
  const std::string header =
      R"({"model.layers.3.mlp.up_proj.weight": {"dtype": "F32", "shape": [4], "data_offsets": [0, 16]}})";
  const std::string file = safetensors_bytes_with_header(header, 8);
  expect_header_error(file,
                      "tensor 'model.layers.3.mlp.up_proj.weight': data_offsets [0, 16] past end of file");
}

TEST(SafetensorsHeader, RejectsOverlaps) {
  const std::string header = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                 "b": {"dtype": "F32", "shape": [2], "data_offsets": [4, 12]}})";
  expect_header_error(safetensors_bytes_with_header(header, 16),
                      "tensor 'b': data_offsets [4, 12] overlap tensor 'a'");
  // Empty tensors may sit anywhere.
  const std::string empty = R"({"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]},
                                "b": {"dtype": "F32", "shape": [0], "data_offsets": [4, 4]}})";
  EXPECT_EQ(parse_safetensors_header(as_bytes(safetensors_bytes_with_header(empty, 8))).tensors.size(), 2u);
}

TEST(HalfFloat, F16KnownValues) {
  EXPECT_EQ(f16_to_f32(0x3c00), 1.0f);
  EXPECT_EQ(f16_to_f32(0xc000), -2.0f);
  EXPECT_EQ(f16_to_f32(0x7bff), 65504.0f);
  EXPECT_EQ(f16_to_f32(0x0001), std::ldexp(1.0f, -24));
  EXPECT_EQ(f16_to_f32(0x03ff), std::ldexp(1023.0f, -24));
  EXPECT_EQ(f16_to_f32(0x0400), std::ldexp(1.0f, -14));
  EXPECT_TRUE(std::signbit(f16_to_f32(0x8000)));
  EXPECT_EQ(f16_to_f32(0x7c00), std::numeric_limits<float>::infinity());
  EXPECT_EQ(f16_to_f32(0xfc00), -std::numeric_limits<float>::infinity());
  EXPECT_TRUE(std::isnan(f16_to_f32(0x7e00)));
}

TEST(HalfFloat, F16MatchesDefinitionForEveryValue) {
  for (uint32_t bits = 0; bits < 0x10000; ++bits) {
    const int exponent = (bits >> 10) & 0x1f;
    const int mantissa = bits & 0x3ff;
    const float sign = (bits & 0x8000) ? -1.0f : 1.0f;
    const float value = f16_to_f32(static_cast<uint16_t>(bits));
    if (exponent == 0x1f) {
      EXPECT_TRUE(mantissa ? std::isnan(value) : std::isinf(value)) << bits;
      continue;
    }
    const float expected = exponent == 0 ? sign * std::ldexp(static_cast<float>(mantissa), -24)
                                         : sign * std::ldexp(1.0f + mantissa / 1024.0f, exponent - 15);
    ASSERT_EQ(value, expected) << "bits " << bits;
  }
}

TEST(HalfFloat, Bf16AndConvert) {
  EXPECT_EQ(bf16_to_f32(0x3f80), 1.0f);
  EXPECT_EQ(bf16_to_f32(0xc0a0), -5.0f);
  const uint16_t halves[] = {0x3c00, 0xc000, 0x0000};
  std::vector<float> out(3);
  convert_to_f32(DType::f16, std::as_bytes(std::span(halves)), out);
  EXPECT_EQ(out, (std::vector<float>{1.0f, -2.0f, 0.0f}));
  const uint16_t brains[] = {0x3f80, 0x4000, 0xbf80};
  convert_to_f32(DType::bf16, std::as_bytes(std::span(brains)), out);
  EXPECT_EQ(out, (std::vector<float>{1.0f, 2.0f, -1.0f}));
  const int8_t ints[] = {1, 2, 3};
  expect_error([&] { convert_to_f32(DType::i8, std::as_bytes(std::span(ints)), out); },
               ErrorKind::unsupported, "I8 cannot be converted");
}

TEST(SafetensorsFile, MapsTensorsAndConverts) {
  const auto dir = testing::fresh_dir("file");
  testing::write_file(dir / "model.safetensors", safetensors_bytes({
                                                     make_tensor("w", "F32", {2, 2}, 1.0f),
                                                     make_tensor("q", "I8", {4}),
                                                 }));
  const SafetensorsFile file(dir / "model.safetensors");
  EXPECT_EQ(file.file_name(), "model.safetensors");
  const auto w = file.find("w");
  ASSERT_TRUE(w.has_value());
  EXPECT_EQ(w->bytes.size(), 16u);
  EXPECT_EQ(to_f32(*w), (std::vector<float>{1.0f, 1.5f, 2.0f, 2.5f}));
  const auto q = file.find("q");
  ASSERT_TRUE(q.has_value());
  expect_error([&] { to_f32(*q); }, ErrorKind::unsupported, "model.safetensors: tensor 'q': dtype I8");
  EXPECT_FALSE(file.find("nope").has_value());
}

TEST(SafetensorsFile, TruncatedFileNamesFileAndTensor) {
  const auto dir = testing::fresh_dir("truncated");
  std::string bytes = safetensors_bytes({make_tensor("a", "F32", {4}), make_tensor("b", "F32", {4})});
  bytes.resize(bytes.size() - 4);
  testing::write_file(dir / "model-00002-of-00002.safetensors", bytes);
  expect_error([&] { SafetensorsFile file(dir / "model-00002-of-00002.safetensors"); },
               ErrorKind::invalid_input,
               "model-00002-of-00002.safetensors: tensor 'b': data_offsets [16, 32] past end of file");
  expect_error([&] { SafetensorsFile file(dir / "absent.safetensors"); }, ErrorKind::not_found,
               "absent.safetensors");
}

TEST(SafetensorsIndex, ParsesAndValidates) {
  const auto index = parse_safetensors_index(R"({"metadata": {"total_size": 96},
      "weight_map": {"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors",
                     "c": "model-00002-of-00002.safetensors"}})");
  EXPECT_EQ(index.total_size, 96u);
  EXPECT_EQ(index.weight_map.size(), 3u);
  EXPECT_EQ(index.shard_files.size(), 2u);
  expect_error([] { parse_safetensors_index(R"({"metadata": {}})"); }, ErrorKind::invalid_input,
               "missing \"weight_map\"");
  expect_error([] { parse_safetensors_index(R"({"weight_map": {"a": "../secret"}})"); },
               ErrorKind::invalid_input, "'../secret' is not a file name");
  expect_error([] { parse_safetensors_index(R"({"weight_map": {"a": 3}})"); }, ErrorKind::invalid_input,
               "weight_map.a: expected a file name string");
  expect_error([] { parse_safetensors_index("[]"); }, ErrorKind::invalid_input, "expected a JSON object");
}

class ShardedCheckpoint : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::fresh_dir("sharded");
    testing::write_file(dir_ / "model-00001-of-00002.safetensors",
                        safetensors_bytes({make_tensor("a", "F32", {2}), make_tensor("b", "BF16", {2})}));
    testing::write_file(dir_ / "model-00002-of-00002.safetensors",
                        safetensors_bytes({make_tensor("c", "F32", {3})}));
  }
  void write_index(const std::string& weight_map) {
    testing::write_file(dir_ / "model.safetensors.index.json",
                        R"({"metadata": {"total_size": 24}, "weight_map": )" + weight_map + "}");
  }
  std::filesystem::path dir_;
};

TEST_F(ShardedCheckpoint, FindsTensorsAcrossShards) {
  write_index(R"({"a": "model-00001-of-00002.safetensors", "b": "model-00001-of-00002.safetensors",
                  "c": "model-00002-of-00002.safetensors"})");
  const Checkpoint checkpoint = Checkpoint::open(dir_);
  EXPECT_EQ(checkpoint.files().size(), 2u);
  EXPECT_EQ(checkpoint.tensors().size(), 3u);
  const auto c = checkpoint.find("c");
  ASSERT_TRUE(c.has_value());
  EXPECT_EQ(c->file_name, "model-00002-of-00002.safetensors");
  EXPECT_EQ(to_f32(*c), (std::vector<float>{0.0f, 0.5f, 1.0f}));
  EXPECT_EQ(checkpoint.source_name(), "model.safetensors.index.json");
}

TEST_F(ShardedCheckpoint, IndexErrorsNameTheFiles) {
  write_index(R"({"a": "model-00001-of-00002.safetensors", "c": "model-00003-of-00003.safetensors"})");
  expect_error(
      [&] { Checkpoint::open(dir_); }, ErrorKind::not_found,
      "model.safetensors.index.json: names shard 'model-00003-of-00003.safetensors', which does not exist");
  write_index(R"({"a": "model-00001-of-00002.safetensors", "c": "model-00001-of-00002.safetensors"})");
  expect_error([&] { Checkpoint::open(dir_); }, ErrorKind::invalid_input,
               "tensor 'c' is mapped to model-00001-of-00002.safetensors, which does not contain it");
  write_index("{}");
  expect_error([&] { Checkpoint::open(dir_); }, ErrorKind::invalid_input, "weight_map is empty");
  write_index("[");
  expect_error([&] { Checkpoint::open(dir_); }, ErrorKind::invalid_input,
               "model.safetensors.index.json: not valid JSON");
}

TEST_F(ShardedCheckpoint, RejectsTensorInTwoShards) {
  testing::write_file(dir_ / "model-00002-of-00002.safetensors",
                      safetensors_bytes({make_tensor("a", "F32", {2})}));
  write_index(R"({"a": "model-00001-of-00002.safetensors", "b": "model-00002-of-00002.safetensors"})");
  expect_error([&] { Checkpoint::open(dir_); }, ErrorKind::invalid_input, "tensor 'a' is also stored in");
}

TEST(Checkpoint, MissingWeights) {
  const auto dir = testing::fresh_dir("no_weights");
  expect_error([&] { Checkpoint::open(dir); }, ErrorKind::not_found,
               "no model.safetensors or model.safetensors.index.json");
  expect_error([&] { Checkpoint::open(dir / "absent"); }, ErrorKind::not_found, "no such model directory");
}

}  // namespace
}  // namespace chunkwise::model
