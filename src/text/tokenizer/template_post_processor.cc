// TemplateProcessing: the "single" and "pair" templates list special tokens and the sequences $A / $B.
#include <nlohmann/json.hpp>
#include <unordered_map>

#include "common/error.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/post_processors.h"

namespace chunkwise::text {

namespace {

// One template item: a run of special token ids, or sequence 0 (A) / 1 (B).
struct TemplateItem {
  int sequence = -1;  // -1: special tokens
  std::vector<TokenId> ids;
};

std::vector<TemplateItem> parse_template(
    const nlohmann::json& items, const std::unordered_map<std::string, std::vector<TokenId>>& specials,
    const char* name) {
  if (!items.is_array()) fail(ErrorKind::invalid_input, "{}: expected an array", name);
  std::vector<TemplateItem> out;
  for (size_t i = 0; i < items.size(); ++i) {
    const auto& item = items[i];
    if (item.is_object() && item.contains("SpecialToken")) {
      const std::string id = string_field(item["SpecialToken"], "id");
      const auto it = specials.find(id);
      if (it == specials.end())
        fail(ErrorKind::invalid_input, "{}[{}]: special token '{}' is not in special_tokens", name, i, id);
      out.push_back({-1, it->second});
    } else if (item.is_object() && item.contains("Sequence")) {
      const std::string id = string_field(item["Sequence"], "id");
      if (id != "A" && id != "B")
        fail(ErrorKind::invalid_input, "{}[{}]: unknown sequence '{}'", name, i, id);
      out.push_back({id == "A" ? 0 : 1, {}});
    } else {
      fail(ErrorKind::invalid_input, "{}[{}]: expected SpecialToken or Sequence", name, i);
    }
  }
  return out;
}

class TemplatePostProcessor final : public PostProcessor {
 public:
  explicit TemplatePostProcessor(const nlohmann::json& spec) {
    std::unordered_map<std::string, std::vector<TokenId>> specials;
    const auto it = spec.find("special_tokens");
    if (it != spec.end() && !it->is_null()) {
      if (!it->is_object()) fail(ErrorKind::invalid_input, "special_tokens: expected an object");
      for (const auto& [name, token] : it->items()) {
        const auto& ids = require_field(token, "ids");
        if (!ids.is_array()) fail(ErrorKind::invalid_input, "special_tokens.{}.ids: expected an array", name);
        specials[name] = ids.get<std::vector<TokenId>>();
      }
    }
    single_ = parse_template(require_field(spec, "single"), specials, "single");
    pair_ = parse_template(require_field(spec, "pair"), specials, "pair");
  }

  void process(std::vector<TokenId>& ids, std::vector<TokenId>* pair,
               bool add_special_tokens) const override {
    if (!add_special_tokens) {
      if (pair != nullptr) ids.insert(ids.end(), pair->begin(), pair->end());
      return;
    }
    std::vector<TokenId> out;
    out.reserve(ids.size() + (pair ? pair->size() : 0) + 8);
    for (const TemplateItem& item : pair ? pair_ : single_) {
      if (item.sequence < 0) {
        out.insert(out.end(), item.ids.begin(), item.ids.end());
      } else {
        const std::vector<TokenId>& sequence = item.sequence == 0 ? ids : *pair;
        out.insert(out.end(), sequence.begin(), sequence.end());
      }
    }
    ids = std::move(out);
  }

  size_t added_tokens(bool pair) const override {
    size_t n = 0;
    for (const TemplateItem& item : pair ? pair_ : single_) n += item.ids.size();
    return n;
  }

 private:
  std::vector<TemplateItem> single_;
  std::vector<TemplateItem> pair_;
};

}  // namespace

std::unique_ptr<PostProcessor> make_template_post_processor(const nlohmann::json& spec) {
  return std::make_unique<TemplatePostProcessor>(spec);
}

}  // namespace chunkwise::text
