// Every golden case must render here as transformers renders it (Python jinja2, recorded by
// scripts/check_chat_goldens.py in transformers_renders.json): byte-identical output, or an invalid_input
// error where transformers raised. The cases and the second reference, @huggingface/jinja (the "output" or
// "error" of each case, see scripts/gen_chat_goldens.mjs), come from the .jsonl files; chunkwise must agree
// with @huggingface/jinja too, except on the listed cases where the two references differ.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
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
  nlohmann::ordered_json record;  // the case, with @huggingface/jinja's "output" or "error"
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

std::string case_id(const GoldenCase& golden) {
  return golden.template_name + "/" + golden.record.at("case").get<std::string>();
}

// transformers' render of every case: {"transformers": version, "renders": {template: {case: {"output": text}
// or {"error": message}}}}.
const nlohmann::json& transformers_renders() {
  static const nlohmann::json renders =
      nlohmann::json::parse(read_file(kGoldenDir / "transformers_renders.json")).at("renders");
  return renders;
}

const nlohmann::json* transformers_render(const GoldenCase& golden) {
  const nlohmann::json& renders = transformers_renders();
  auto t = renders.find(golden.template_name);
  if (t == renders.end()) return nullptr;
  auto c = t->find(golden.record.at("case").get<std::string>());
  return c == t->end() ? nullptr : &*c;
}

// The cases where @huggingface/jinja differs from transformers, which chunkwise follows: on an empty
// conversation `messages[0]['role']` raises in jinja2 (undefined cannot be looked into) but is undefined in
// @huggingface/jinja; `none | trim` is "None" in jinja2 (str()) but an error in @huggingface/jinja.
const std::set<std::string> kKnownReferenceDifferences = {
    "gemma/empty_conversation", "llama2/empty_conversation",     "mistral/empty_conversation",
    "qwen3/empty_conversation", "llama3/tools_string_arguments",
};

// Whether the two references agree on a case: the same output, or both fail.
bool references_agree(const nlohmann::ordered_json& hf, const nlohmann::json& transformers) {
  if (hf.contains("output") != transformers.contains("output")) return false;
  return !hf.contains("output") ||
         hf.at("output").get<std::string>() == transformers.at("output").get<std::string>();
}

class JinjaChatGoldenTest : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(JinjaChatGoldenTest, MatchesTransformersAndReference) {
  const GoldenCase& golden = GetParam();
  const nlohmann::ordered_json& r = golden.record;
  const nlohmann::json* transformers = transformers_render(golden);
  ASSERT_NE(transformers, nullptr) << case_id(golden) << " is missing from transformers_renders.json";
  ChatTemplate chat(read_file(kTemplateDir / (golden.template_name + ".jinja")));
  ChatTemplateInputs inputs;
  inputs.messages = r.at("messages");
  if (r.contains("tools")) inputs.tools = r.at("tools");
  inputs.add_generation_prompt = r.at("add_generation_prompt").get<bool>();
  inputs.extra = r.at("extra");

  std::optional<std::string> output;
  std::string error;
  try {
    output = chat.apply(inputs);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input) << e.what();
    error = e.what();
  }

  // Primary reference: transformers.
  if (transformers->contains("output")) {
    ASSERT_TRUE(output.has_value()) << "transformers renders, chunkwise fails: " << error;
    EXPECT_EQ(*output, transformers->at("output").get<std::string>());
  } else {
    ASSERT_FALSE(output.has_value()) << "transformers fails (" << transformers->at("error")
                                     << "), chunkwise renders:\n"
                                     << *output;
    // The message names the place in the template and says what Python says (raise_exception's own
    // message, "list object has no element 0", "can only concatenate str (not \"NoneType\") to str"...).
    EXPECT_NE(error.find(transformers->at("error").get<std::string>()), std::string::npos) << error;
    EXPECT_NE(error.find("line "), std::string::npos) << error;
  }

  // Second reference: @huggingface/jinja, except where it is known to differ from transformers.
  if (kKnownReferenceDifferences.count(case_id(golden))) return;
  if (r.contains("output")) {
    ASSERT_TRUE(output.has_value()) << "@huggingface/jinja renders, chunkwise fails: " << error;
    EXPECT_EQ(*output, r.at("output").get<std::string>());
  } else {
    EXPECT_FALSE(output.has_value()) << "@huggingface/jinja fails (" << r.at("error") << ")";
  }
}

// The list of known differences is exactly the set of cases where the references disagree, and every case
// has a transformers render and vice versa.
TEST(JinjaChatGoldenFiles, KnownReferenceDifferencesAreExact) {
  std::set<std::string> differing;
  std::set<std::string> ids;
  for (const auto& golden : load_cases()) {
    ids.insert(case_id(golden));
    const nlohmann::json* transformers = transformers_render(golden);
    ASSERT_NE(transformers, nullptr) << case_id(golden);
    if (!references_agree(golden.record, *transformers)) differing.insert(case_id(golden));
  }
  EXPECT_EQ(differing, kKnownReferenceDifferences);
  std::size_t rendered = 0;
  for (const auto& [template_name, cases] : transformers_renders().items()) {
    for (const auto& [name, render] : cases.items()) {
      ++rendered;
      EXPECT_TRUE(ids.count(template_name + "/" + name))
          << template_name << "/" << name << " has no golden case";
    }
  }
  EXPECT_EQ(rendered, ids.size());
  EXPECT_GE(ids.size(), 110u);
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
