#include "text/jinja/value.h"

#include "common/error.h"
#include "text/jinja/heap.h"

namespace chunkwise::text::jinja {

const Value* Dict::find(std::string_view key) const {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

Value* Dict::find(std::string_view key) {
  auto it = index_.find(key);
  return it == index_.end() ? nullptr : &entries_[it->second].second;
}

void Dict::set(const std::string& key, Value value) {
  auto it = index_.find(key);
  if (it != index_.end()) {
    entries_[it->second].second = std::move(value);
    return;
  }
  index_.emplace(key, entries_.size());
  entries_.emplace_back(key, std::move(value));
}

bool Dict::erase(std::string_view key) {
  auto it = index_.find(key);
  if (it == index_.end()) return false;
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(it->second));
  index_.clear();
  for (std::size_t i = 0; i < entries_.size(); ++i) index_.emplace(entries_[i].first, i);
  return true;
}

void Dict::clear() {
  // Move out first so that destructors running during the clear never see a half-cleared dict.
  auto entries = std::move(entries_);
  entries_.clear();
  index_.clear();
}

std::string undefined_message(const Undefined& u) {
  if (!u.message.empty()) return u.message;
  if (u.name.empty()) return "value is undefined";
  return fmt::format("'{}' is undefined", u.name);
}

bool Value::truthy() const {
  return std::visit(
      [](const auto& v) -> bool {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, Undefined> || std::is_same_v<T, std::nullptr_t>) {
          return false;
        } else if constexpr (std::is_same_v<T, bool>) {
          return v;
        } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, double>) {
          return v != 0;
        } else if constexpr (std::is_same_v<T, std::string>) {
          return !v.empty();
        } else if constexpr (std::is_same_v<T, ListPtr> || std::is_same_v<T, DictPtr>) {
          return !v->empty();
        } else {
          return true;
        }
      },
      v_);
}

const char* Value::type_name() const {
  switch (v_.index()) {
    case 0:
      return "undefined";
    case 1:
      return "NoneType";
    case 2:
      return "bool";
    case 3:
      return "int";
    case 4:
      return "float";
    case 5:
      return "str";
    case 6:
      return "list";
    case 7:
      return "dict";
    case 8:
      return "Namespace";
    default:
      return "function";
  }
}

ListPtr make_list(List items) {
  auto list = std::make_shared<List>(std::move(items));
  if (auto* heap = RenderHeap::current()) heap->adopt(list);
  return list;
}

DictPtr make_dict() {
  auto dict = std::make_shared<Dict>();
  if (auto* heap = RenderHeap::current()) heap->adopt(dict);
  return dict;
}

NamespacePtr make_namespace() {
  auto ns = std::make_shared<Namespace>();
  if (auto* heap = RenderHeap::current()) heap->adopt(ns);
  return ns;
}

namespace {

template <typename Json>
Value convert_json(const Json& json, int depth) {
  if (depth > kMaxJsonDepth)
    fail(ErrorKind::invalid_input, "template context nested deeper than {} levels", kMaxJsonDepth);
  switch (json.type()) {
    case Json::value_t::null:
    case Json::value_t::discarded:
      return Value(nullptr);
    case Json::value_t::boolean:
      return Value(json.template get<bool>());
    case Json::value_t::number_integer:
      return Value(json.template get<std::int64_t>());
    case Json::value_t::number_unsigned: {
      auto u = json.template get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case Json::value_t::number_float:
      return Value(json.template get<double>());
    case Json::value_t::string:
      return Value(json.template get<std::string>());
    case Json::value_t::array: {
      List items;
      items.reserve(json.size());
      for (const auto& item : json) items.push_back(convert_json(item, depth + 1));
      return Value(make_list(std::move(items)));
    }
    case Json::value_t::object: {
      auto dict = make_dict();
      for (const auto& [key, item] : json.items()) dict->set(key, convert_json(item, depth + 1));
      return Value(dict);
    }
    case Json::value_t::binary:
      return Value(nullptr);
  }
  return Value(nullptr);
}

}  // namespace

Value from_json(const nlohmann::json& json, int depth) {
  return convert_json(json, depth);
}
Value from_json(const nlohmann::ordered_json& json, int depth) {
  return convert_json(json, depth);
}

}  // namespace chunkwise::text::jinja
