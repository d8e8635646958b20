// Every golden case rendered by the reference (@huggingface/jinja, see scripts/gen_chat_goldens.mjs) must
// render byte-identically here, or fail where the reference fails (with the same message for
// raise_exception).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "text/jinja/chat_template.h"

namespace chunkwise::text::jinja {
namespace {

namespace fs = std::filesystem;

struct GoldenCase {
  std::string template_name;
  nlohmann::ordered_json record;
};

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

const fs::path kGoldenDir = fs::path(CHUNKWISE_TEST_DATA) / "golden" / "chat";
const fs::path kTemplateDir = fs::path(CHUNKWISE_TEST_DATA) / "chat_templates";

std::vector<GoldenCase> load_cases() {
  std::vector<GoldenCase> cases;
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(kGoldenDir)) {
    if (entry.path().extension() == ".jsonl") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    std::istringstream lines(read_file(file));
    std::string line;
    while (std::getline(lines, line)) {
      if (!line.empty()) cases.push_back({file.stem().string(), nlohmann::ordered_json::parse(line)});
    }
  }
  return cases;
}

class JinjaChatGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(JinjaChatGoldenTest, MatchesReference) {
  const GoldenCase& golden = GetParam();
  const nlohmann::ordered_json& r = golden.record;
  ChatTemplate chat(read_file(kTemplateDir / (golden.template_name + ".jinja")));
  ChatTemplateInputs inputs;
  inputs.messages = r.at("messages");
  if (r.contains("tools")) inputs.tools = r.at("tools");
  inputs.add_generation_prompt = r.at("add_generation_prompt").get<bool>();
  inputs.extra = r.at("extra");
  if (r.contains("output")) {
    EXPECT_EQ(chat.apply(inputs), r.at("output").get<std::string>());
    return;
  }
  try {
    std::string output = chat.apply(inputs);
    FAIL() << "expected an error like the reference (" << r.at("error") << "), got output:\n" << output;
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    if (r.value("raised", false)) {
      EXPECT_NE(std::string(e.what()).find(r.at("error").get<std::string>()), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("line "), std::string::npos) << e.what();
    }
  }
}

TEST(JinjaChatGoldenFiles, CoverEveryTemplate) {
  std::size_t templates = 0;
  for (const auto& entry : fs::directory_iterator(kTemplateDir)) {
    if (entry.path().extension() != ".jinja") continue;
    ++templates;
    EXPECT_TRUE(fs::exists(kGoldenDir / (entry.path().stem().string() + ".jsonl"))) << entry.path();
  }
  EXPECT_GE(templates, 9u);
}

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.template_name + "_" + info.param.record.at("case").get<std::string>();
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Reference, JinjaChatGoldenTest, ::testing::ValuesIn(load_cases()), case_name);

}  // namespace
}  // namespace chunkwise::text::jinja
