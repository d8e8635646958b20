#include "text/jinja/methods.h"

#include "common/error.h"
#include "text/jinja/interpreter.h"
#include "text/jinja/string_ops.h"
#include "text/jinja/value_ops.h"

// GCC 12 with -fsanitize=address,undefined reports a false "may be used uninitialized" when a Value (a
// std::variant holding a std::string alternative) is moved into the std::optional results below.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

namespace chunkwise::text::jinja {
namespace {

std::optional<std::string> optional_string(const CallArgs& args, std::size_t index, std::string_view name) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none() || v->is_undefined()) return std::nullopt;
  if (!v->is_string())
    fail(ErrorKind::invalid_input, "argument '{}' must be a string, not {}", name, v->type_name());
  return v->as_string();
}

std::string required_string(const CallArgs& args, std::size_t index, std::string_view name) {
  auto s = optional_string(args, index, name);
  if (!s) fail(ErrorKind::invalid_input, "missing argument '{}'", name);
  return *s;
}

long long optional_int(const CallArgs& args, std::size_t index, std::string_view name, long long fallback) {
  const Value* v = args.get(index, name);
  if (!v || v->is_none() || v->is_undefined()) return fallback;
  if (!v->is_int())
    fail(ErrorKind::invalid_input, "argument '{}' must be an integer, not {}", name, v->type_name());
  return v->as_int();
}

Value string_list(Interpreter& interp, std::vector<std::string> parts) {
  interp.check_list_size(parts.size());
  List items;
  items.reserve(parts.size());
  for (auto& p : parts) items.emplace_back(std::move(p));
  return Value(make_list(std::move(items)));
}

// startswith/endswith take a string or a list (tuple) of strings.
bool affix_matches(const std::string& s, const Value& affix, bool prefix) {
  auto one = [&](const Value& a) {
    if (!a.is_string()) fail(ErrorKind::invalid_input, "expected a string, not {}", a.type_name());
    const std::string& x = a.as_string();
    if (x.size() > s.size()) return false;
    return prefix ? s.compare(0, x.size(), x) == 0 : s.compare(s.size() - x.size(), x.size(), x) == 0;
  };
  if (affix.is_list()) {
    for (const auto& a : *affix.as_list()) {
      if (one(a)) return true;
    }
    return false;
  }
  return one(affix);
}

// Python str.format with {} / {0} / {name} fields and {{ }} escapes; format specs are not supported.
std::string format_string(Interpreter& interp, const std::string& pattern, const CallArgs& args) {
  std::string out;
  std::size_t next_auto = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    char c = pattern[i];
    if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      std::size_t close = pattern.find('}', i);
      if (close == std::string::npos)
        fail(ErrorKind::invalid_input, "single '{{' encountered in format string");
      std::string field = pattern.substr(i + 1, close - i - 1);
      if (field.find(':') != std::string::npos || field.find('!') != std::string::npos) {
        fail(ErrorKind::unsupported, "format specifications are not supported in str.format");
      }
      const Value* v = nullptr;
      if (field.empty()) {
        v = next_auto < args.positional.size() ? &args.positional[next_auto] : nullptr;
        ++next_auto;
      } else if (std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
        std::size_t index = field.size() > 6 ? SIZE_MAX : std::stoul(field);
        v = index < args.positional.size() ? &args.positional[index] : nullptr;
      } else {
        for (const auto& [key, value] : args.keyword) {
          if (key == field) v = &value;
        }
      }
      if (!v) fail(ErrorKind::invalid_input, "missing argument for format field '{{{}}}'", field);
      out += to_string(*v);
      i = close;
    } else if (c == '}') {
      fail(ErrorKind::invalid_input, "single '}}' encountered in format string");
    } else {
      out += c;
    }
    interp.check_string_size(out.size());
  }
  return out;
}

std::optional<Value> string_method(Interpreter& interp, const std::string& s, const std::string& name,
                                   CallArgs& args) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    auto chars = optional_string(args, 0, "chars");
    return Value(std::string(strip(s, chars, name != "rstrip", name != "lstrip")));
  }
  if (name == "split" || name == "rsplit") {
    auto sep = optional_string(args, 0, "sep");
    long long maxsplit = optional_int(args, 1, "maxsplit", -1);
    if (name == "rsplit" && maxsplit >= 0)
      fail(ErrorKind::unsupported, "rsplit with maxsplit is not supported");
    return string_list(interp, split(s, sep, maxsplit));
  }
  if (name == "splitlines") return string_list(interp, split_lines(s));
  if (name == "startswith" || name == "endswith") {
    const Value* affix = args.get(0, "prefix");
    if (!affix) fail(ErrorKind::invalid_input, "{}() takes exactly one argument", name);
    return Value(affix_matches(s, *affix, name == "startswith"));
  }
  if (name == "upper") return Value(ascii_upper(s));
  if (name == "lower") return Value(ascii_lower(s));
  if (name == "title") return Value(title_case(s));
  if (name == "capitalize") return Value(capitalize(s));
  if (name == "replace") {
    std::string from = required_string(args, 0, "old");
    std::string to = required_string(args, 1, "new");
    return Value(replace(s, from, to, optional_int(args, 2, "count", -1), interp.limits().max_string_bytes));
  }
  if (name == "find") {
    std::size_t at = find_text(s, required_string(args, 0, "sub"), 0);
    return Value(at == std::string::npos ? std::int64_t{-1}
                                         : static_cast<std::int64_t>(utf8_length(s.substr(0, at))));
  }
  if (name == "count") {
    std::string sub = required_string(args, 0, "sub");
    if (sub.empty()) return Value(static_cast<std::int64_t>(utf8_length(s) + 1));
    std::int64_t n = 0;
    for (std::size_t at = find_text(s, sub, 0); at != std::string::npos;
         at = find_text(s, sub, at + sub.size())) {
      ++n;
    }
    return Value(n);
  }
  if (name == "join") {
    const Value* items = args.get(0, "iterable");
    if (!items) fail(ErrorKind::invalid_input, "join() takes exactly one argument");
    std::string out;
    bool first = true;
    for (const auto& item : iterate(*items)) {
      if (!item.is_string())
        fail(ErrorKind::invalid_input, "sequence item: expected str, {} found", item.type_name());
      if (!first) out += s;
      first = false;
      out += item.as_string();
      interp.check_string_size(out.size());
    }
    return Value(std::move(out));
  }
  if (name == "format") return Value(format_string(interp, s, args));
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace") {
    if (s.empty()) return Value(false);
    for (char c : s) {
      bool digit = c >= '0' && c <= '9';
      bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
      bool space = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
      bool ok = name == "isdigit"   ? digit
                : name == "isalpha" ? alpha
                : name == "isalnum" ? digit || alpha
                                    : space;
      if (!ok) return Value(false);
    }
    return Value(true);
  }
  return std::nullopt;
}

std::optional<Value> dict_method(Interpreter& interp, const DictPtr& dict, const std::string& name,
                                 CallArgs& args) {
  if (name == "items" || name == "keys" || name == "values") {
    args.expect_at_most(name, 0);
    interp.charge(dict->size());
    List out;
    for (const auto& [key, value] : dict->entries()) {
      if (name == "items") {
        out.emplace_back(make_list({Value(key), value}));
      } else {
        out.push_back(name == "keys" ? Value(key) : value);
      }
    }
    return Value(make_list(std::move(out)));
  }
  if (name == "get") {
    const Value* key = args.get(0, "key");
    if (!key) fail(ErrorKind::invalid_input, "get() expected at least 1 argument");
    Value fallback = args.get_or(1, "default", Value(nullptr));
    if (!key->is_string()) return fallback;
    const Value* v = dict->find(key->as_string());
    return v ? *v : fallback;
  }
  return std::nullopt;
}

std::optional<Value> list_method(Interpreter& interp, const ListPtr& list, const std::string& name,
                                 CallArgs& args) {
  if (name == "append") {
    if (args.positional.size() != 1) fail(ErrorKind::invalid_input, "append() takes exactly one argument");
    interp.check_list_size(list->size() + 1);
    list->push_back(args.positional[0]);
    return Value(nullptr);
  }
  if (name == "extend") {
    const Value* items = args.get(0, "iterable");
    if (!items) fail(ErrorKind::invalid_input, "extend() takes exactly one argument");
    List more = iterate(*items);
    interp.check_list_size(list->size() + more.size());
    interp.charge(more.size());
    list->insert(list->end(), more.begin(), more.end());
    return Value(nullptr);
  }
  if (name == "pop") {
    if (list->empty()) fail(ErrorKind::invalid_input, "pop from empty list");
    long long index = optional_int(args, 0, "index", -1);
    auto n = static_cast<long long>(list->size());
    if (index < 0) index += n;
    if (index < 0 || index >= n) fail(ErrorKind::invalid_input, "pop index out of range");
    Value v = (*list)[static_cast<std::size_t>(index)];
    list->erase(list->begin() + index);
    return v;
  }
  if (name == "index") {
    const Value* needle = args.get(0, "value");
    if (!needle) fail(ErrorKind::invalid_input, "index() takes exactly one argument");
    for (std::size_t i = 0; i < list->size(); ++i) {
      if (equals((*list)[i], *needle)) return Value(static_cast<std::int64_t>(i));
    }
    fail(ErrorKind::invalid_input, "value is not in list");
  }
  if (name == "count") {
    const Value* needle = args.get(0, "value");
    if (!needle) fail(ErrorKind::invalid_input, "count() takes exactly one argument");
    std::int64_t n = 0;
    for (const auto& item : *list) n += equals(item, *needle) ? 1 : 0;
    return Value(n);
  }
  return std::nullopt;
}

}  // namespace

std::optional<Value> call_method(Interpreter& interp, const Value& object, const std::string& name,
                                 CallArgs& args) {
  if (object.is_string()) return string_method(interp, object.as_string(), name, args);
  if (object.is_dict()) return dict_method(interp, object.as_dict(), name, args);
  if (object.is_list()) return list_method(interp, object.as_list(), name, args);
  return std::nullopt;
}

}  // namespace chunkwise::text::jinja
