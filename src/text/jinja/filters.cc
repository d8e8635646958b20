#include "text/jinja/filters.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <functional>
#include <unordered_map>

#include "common/error.h"
#include "text/jinja/interpreter.h"
#include "text/jinja/operators.h"
#include "text/jinja/string_ops.h"
#include "text/jinja/value_ops.h"

namespace chunkwise::text::jinja {
namespace {

using Filter = Value (*)(Interpreter&, const Value&, CallArgs&);

std::string string_arg(const CallArgs& args, std::size_t index, std::string_view name, std::string fallback) {
  Value v = args.get_or(index, name, Value(std::move(fallback)));
  return to_string(v);
}

bool bool_arg(const CallArgs& args, std::size_t index, std::string_view name, bool fallback) {
  return args.get_or(index, name, Value(fallback)).truthy();
}

std::int64_t int_arg(const CallArgs& args, std::size_t index, std::string_view name, std::int64_t fallback) {
  Value v = args.get_or(index, name, Value(fallback));
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool() ? 1 : 0;
  fail(ErrorKind::invalid_input, "argument '{}' must be an integer, not {}", name, v.type_name());
}

// The value at a dotted attribute path ("a.b" or "0"), as jinja2's make_attrgetter does: a missing part is
// undefined, and looking further into an undefined part is an error.
Value attribute_path(const Value& item, const std::string& path) {
  Value current = item;
  std::size_t start = 0;
  while (start <= path.size()) {
    std::size_t dot = path.find('.', start);
    std::string part = path.substr(start, dot == std::string::npos ? std::string::npos : dot - start);
    bool is_index = !part.empty() && std::all_of(part.begin(), part.end(), ::isdigit);
    if (current.is_undefined()) fail_undefined(current);
    if (current.is_dict()) {
      const Value* v = current.as_dict()->find(part);
      current = v ? *v : undefined_attribute(current, part);
    } else if (current.is_namespace()) {
      const Value* v = current.as_namespace()->attributes.find(part);
      current = v ? *v : undefined_attribute(current, part);
    } else if (current.is_list() && is_index) {
      std::size_t index = 0;
      auto [ptr, ec] = std::from_chars(part.data(), part.data() + part.size(), index);
      if (ec == std::errc() && index < current.as_list()->size()) {
        current = (*current.as_list())[index];
      } else {
        current = undefined_element(
            current, ec == std::errc() ? Value(static_cast<std::int64_t>(index)) : Value(part));
      }
    } else {
      current = undefined_attribute(current, part);
    }
    if (dot == std::string::npos) break;
    start = dot + 1;
  }
  return current;
}

List items_of(const Value& input) {
  return iterate(input);
}

// The text a string filter works on: Python str() of any value, as jinja2's soft_str does (none is "None", a
// list is its repr, undefined is "").
std::string text_input(const Value& input) {
  if (input.is_string()) return input.as_string();
  return to_string(input);
}

// The key a sort, unique, min or max compares: the attribute if asked, lowercased unless case sensitive.
Value sort_key(const Value& item, const CallArgs& args, std::size_t case_index, std::size_t attr_index) {
  Value key = item;
  const Value* attribute = args.get(attr_index, "attribute");
  if (attribute && !attribute->is_undefined() && !attribute->is_none())
    key = attribute_path(item, to_string(*attribute));
  if (!bool_arg(args, case_index, "case_sensitive", false) && key.is_string()) {
    key = Value(ascii_lower(key.as_string()));
  }
  return key;
}

Value filter_tojson(Interpreter&, const Value& input, CallArgs& args) {
  args.expect_at_most("tojson", 4, {"indent", "ensure_ascii", "separators", "sort_keys"});
  JsonOptions options;
  Value indent = args.get_or(0, "indent", Value(nullptr));
  if (indent.is_int()) options.indent = static_cast<int>(std::clamp<std::int64_t>(indent.as_int(), 0, 64));
  options.sort_keys = bool_arg(args, 3, "sort_keys", false);
  options.ensure_ascii = bool_arg(args, 1, "ensure_ascii", false);
  Value separators = args.get_or(2, "separators", Value(nullptr));
  if (separators.is_list() && separators.as_list()->size() == 2) {
    options.separators =
        std::make_pair(to_string((*separators.as_list())[0]), to_string((*separators.as_list())[1]));
  }
  return Value(to_json(input, options));
}

Value filter_trim(Interpreter&, const Value& input, CallArgs& args) {
  std::optional<std::string> chars;
  if (const Value* c = args.get(0, "chars"); c && c->is_string()) chars = c->as_string();
  return Value(std::string(strip(text_input(input), chars, true, true)));
}

Value filter_length(Interpreter&, const Value& input, CallArgs&) {
  return Value(static_cast<std::int64_t>(length(input)));
}

Value filter_upper(Interpreter&, const Value& input, CallArgs&) {
  return Value(ascii_upper(text_input(input)));
}
Value filter_lower(Interpreter&, const Value& input, CallArgs&) {
  return Value(ascii_lower(text_input(input)));
}
Value filter_title(Interpreter&, const Value& input, CallArgs&) {
  return Value(title_case(text_input(input)));
}
Value filter_capitalize(Interpreter&, const Value& input, CallArgs&) {
  return Value(capitalize(text_input(input)));
}

Value filter_replace(Interpreter& interp, const Value& input, CallArgs& args) {
  std::string from = string_arg(args, 0, "old", "");
  std::string to = string_arg(args, 1, "new", "");
  Value count = args.get_or(2, "count", Value(nullptr));
  return Value(replace(text_input(input), from, to, count.is_int() ? count.as_int() : -1,
                       interp.limits().max_string_bytes));
}

Value filter_join(Interpreter& interp, const Value& input, CallArgs& args) {
  std::string separator = string_arg(args, 0, "d", "");
  const Value* attribute = args.get(1, "attribute");
  std::string out;
  bool first = true;
  for (const auto& item : items_of(input)) {
    if (!first) out += separator;
    first = false;
    out += to_string(attribute && !attribute->is_none() ? attribute_path(item, to_string(*attribute)) : item);
    interp.check_string_size(out.size());
  }
  interp.charge(out.size() / 64);
  return Value(std::move(out));
}

Value filter_first(Interpreter&, const Value& input, CallArgs&) {
  List items = items_of(input);
  return items.empty() ? Value(Undefined{"", "No first item, sequence was empty."}) : items.front();
}

Value filter_last(Interpreter&, const Value& input, CallArgs&) {
  List items = items_of(input);
  return items.empty() ? Value(Undefined{"", "No last item, sequence was empty."}) : items.back();
}

Value filter_default(Interpreter&, const Value& input, CallArgs& args) {
  Value fallback = args.get_or(0, "default_value", Value(std::string()));
  bool boolean = bool_arg(args, 1, "boolean", false);
  if (input.is_undefined() || (boolean && !input.truthy())) return fallback;
  return input;
}

Value filter_string(Interpreter&, const Value& input, CallArgs&) {
  return Value(to_string(input));
}

std::optional<std::int64_t> parse_int(std::string_view s, int base) {
  s = strip(s, std::nullopt, true, true);
  bool negative = false;
  if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
    negative = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s.size() > 2 && s[0] == '0' && base != 10) {
    char p = static_cast<char>(s[1] | 0x20);
    if ((p == 'x' && base == 16) || (p == 'o' && base == 8) || (p == 'b' && base == 2)) s.remove_prefix(2);
  }
  std::string digits;
  for (char c : s) {
    if (c != '_') digits += c;
  }
  std::int64_t value = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, base);
  if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size()) return std::nullopt;
  return negative ? -value : value;
}

std::optional<double> parse_float(std::string_view s) {
  s = strip(s, std::nullopt, true, true);
  if (s.empty()) return std::nullopt;
  std::string text(s);
  char* end = nullptr;
  double d = std::strtod(text.c_str(), &end);
  if (end != text.c_str() + text.size()) return std::nullopt;
  return d;
}

Value filter_int(Interpreter&, const Value& input, CallArgs& args) {
  Value fallback = args.get_or(0, "default", Value(std::int64_t{0}));
  int base = static_cast<int>(int_arg(args, 1, "base", 10));
  if (base < 2 || base > 36) fail(ErrorKind::invalid_input, "int() base must be between 2 and 36");
  if (input.is_undefined()) fail_undefined(input);  // int(Undefined) raises in jinja2
  if (input.is_int()) return input;
  if (input.is_bool()) return Value(std::int64_t{input.as_bool() ? 1 : 0});
  if (input.is_float()) {
    double d = input.as_float();
    if (!std::isfinite(d) || std::fabs(d) >= 9.2e18) return fallback;
    return Value(static_cast<std::int64_t>(d));
  }
  if (input.is_string()) {
    if (auto i = parse_int(input.as_string(), base)) return Value(*i);
    if (auto d = parse_float(input.as_string()); d && std::isfinite(*d) && std::fabs(*d) < 9.2e18) {
      return Value(static_cast<std::int64_t>(*d));
    }
  }
  return fallback;
}

Value filter_float(Interpreter&, const Value& input, CallArgs& args) {
  Value fallback = args.get_or(0, "default", Value(0.0));
  if (input.is_undefined()) fail_undefined(input);  // float(Undefined) raises in jinja2
  if (input.is_float()) return input;
  if (input.is_int()) return Value(static_cast<double>(input.as_int()));
  if (input.is_bool()) return Value(input.as_bool() ? 1.0 : 0.0);
  if (input.is_string()) {
    if (auto d = parse_float(input.as_string())) return Value(*d);
  }
  return fallback;
}

Value filter_list(Interpreter&, const Value& input, CallArgs&) {
  return Value(make_list(items_of(input)));
}

Value filter_items(Interpreter&, const Value& input, CallArgs&) {
  List out;
  if (input.is_dict()) {
    for (const auto& [key, value] : input.as_dict()->entries())
      out.emplace_back(make_list({Value(key), value}));
  } else if (!input.is_undefined()) {
    fail(ErrorKind::invalid_input, "can only get item pairs from a mapping, not {}", input.type_name());
  }
  return Value(make_list(std::move(out)));
}

// select/reject/selectattr/rejectattr: keep items whose (attribute) value passes the test, or is truthy.
Value filter_by_test(Interpreter& interp, const Value& input, CallArgs& args, bool by_attribute, bool keep) {
  std::size_t next = 0;
  std::string attribute;
  if (by_attribute) {
    if (args.positional.empty()) fail(ErrorKind::invalid_input, "missing attribute name");
    attribute = to_string(args.positional[next++]);
  }
  std::string test;
  if (next < args.positional.size()) test = to_string(args.positional[next++]);
  CallArgs test_args;
  test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(next),
                              args.positional.end());
  test_args.keyword = args.keyword;
  List out;
  for (const auto& item : items_of(input)) {
    interp.charge(1);
    Value subject = by_attribute ? attribute_path(item, attribute) : item;
    bool passes = test.empty() ? subject.truthy() : interp.apply_test(test, subject, test_args);
    if (passes == keep) out.push_back(item);
  }
  return Value(make_list(std::move(out)));
}

Value filter_select(Interpreter& i, const Value& v, CallArgs& a) {
  return filter_by_test(i, v, a, false, true);
}
Value filter_reject(Interpreter& i, const Value& v, CallArgs& a) {
  return filter_by_test(i, v, a, false, false);
}
Value filter_selectattr(Interpreter& i, const Value& v, CallArgs& a) {
  return filter_by_test(i, v, a, true, true);
}
Value filter_rejectattr(Interpreter& i, const Value& v, CallArgs& a) {
  return filter_by_test(i, v, a, true, false);
}

Value filter_map(Interpreter& interp, const Value& input, CallArgs& args) {
  List out;
  const Value* attribute = nullptr;
  for (const auto& [key, value] : args.keyword) {
    if (key == "attribute") attribute = &value;
  }
  if (attribute) {
    Value fallback;
    for (const auto& [key, value] : args.keyword) {
      if (key == "default") fallback = value;
    }
    for (const auto& item : items_of(input)) {
      interp.charge(1);
      Value v = attribute_path(item, to_string(*attribute));
      out.push_back(v.is_undefined() && !fallback.is_undefined() ? fallback : v);
    }
    return Value(make_list(std::move(out)));
  }
  if (args.positional.empty()) fail(ErrorKind::invalid_input, "map() needs a filter name or attribute=");
  std::string filter = to_string(args.positional[0]);
  CallArgs filter_args;
  filter_args.positional.assign(args.positional.begin() + 1, args.positional.end());
  filter_args.keyword = args.keyword;
  for (const auto& item : items_of(input)) {
    interp.charge(1);
    out.push_back(interp.apply_filter(filter, item, filter_args));
  }
  return Value(make_list(std::move(out)));
}

Value filter_unique(Interpreter& interp, const Value& input, CallArgs& args) {
  List out;
  List seen;
  for (const auto& item : items_of(input)) {
    Value key = sort_key(item, args, 0, 1);
    bool duplicate = false;
    for (const auto& s : seen) {
      interp.charge(1);
      if (equals(s, key)) {
        duplicate = true;
        break;
      }
    }
    if (!duplicate) {
      seen.push_back(key);
      out.push_back(item);
    }
  }
  return Value(make_list(std::move(out)));
}

Value filter_sort(Interpreter& interp, const Value& input, CallArgs& args) {
  bool reverse = bool_arg(args, 0, "reverse", false);
  List items = items_of(input);
  std::vector<std::pair<Value, Value>> keyed;
  for (auto& item : items) keyed.emplace_back(sort_key(item, args, 1, 2), std::move(item));
  interp.charge(keyed.size() * 8);
  // stable_sort stays in bounds even if the comparison is not a strict weak order (e.g. with NaN).
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? less(b.first, a.first) : less(a.first, b.first);
  });
  List out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value(make_list(std::move(out)));
}

Value filter_dictsort(Interpreter& interp, const Value& input, CallArgs& args) {
  if (input.is_undefined()) fail_undefined(input);  // jinja2 looks up .items() on it
  if (!input.is_dict())
    fail(ErrorKind::invalid_input, "dictsort expects a mapping, not {}", input.type_name());
  bool case_sensitive = bool_arg(args, 0, "case_sensitive", false);
  bool by_value = string_arg(args, 1, "by", "key") == "value";
  bool reverse = bool_arg(args, 2, "reverse", false);
  std::vector<std::pair<Value, Value>> keyed;
  for (const auto& [key, value] : input.as_dict()->entries()) {
    Value k = by_value ? value : Value(key);
    if (!case_sensitive && k.is_string()) k = Value(ascii_lower(k.as_string()));
    keyed.emplace_back(std::move(k), Value(make_list({Value(key), value})));
  }
  interp.charge(keyed.size() * 8);
  std::stable_sort(keyed.begin(), keyed.end(), [reverse](const auto& a, const auto& b) {
    return reverse ? less(b.first, a.first) : less(a.first, b.first);
  });
  List out;
  for (auto& [key, item] : keyed) out.push_back(std::move(item));
  return Value(make_list(std::move(out)));
}

Value filter_reverse(Interpreter&, const Value& input, CallArgs&) {
  if (input.is_string()) {
    auto chars = utf8_characters(input.as_string());
    std::string out;
    for (auto it = chars.rbegin(); it != chars.rend(); ++it) out += *it;
    return Value(std::move(out));
  }
  List items = items_of(input);
  std::reverse(items.begin(), items.end());
  return Value(make_list(std::move(items)));
}

Value filter_indent(Interpreter& interp, const Value& input, CallArgs& args) {
  Value width = args.get_or(0, "width", Value(std::int64_t{4}));
  std::string indentation;
  if (width.is_string()) {
    indentation = width.as_string();
  } else if (width.is_int()) {
    indentation.assign(static_cast<std::size_t>(std::clamp<std::int64_t>(width.as_int(), 0, 1024)), ' ');
  }
  bool first = bool_arg(args, 1, "first", false);
  bool blank = bool_arg(args, 2, "blank", false);
  // jinja2 appends a newline to the value, which only a string allows.
  if (input.is_undefined()) fail_undefined(input);
  if (!input.is_string()) {
    fail(ErrorKind::invalid_input, "unsupported operand type(s) for +=: '{}' and 'str'", input.type_name());
  }
  std::vector<std::string> lines = split_lines(input.as_string() + "\n");
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
      if (blank || !lines[i].empty()) out += indentation;
    }
    out += lines[i];
    interp.check_string_size(out.size());
  }
  if (first) out = indentation + out;
  return Value(std::move(out));
}

Value filter_abs(Interpreter&, const Value& input, CallArgs&) {
  if (input.is_int()) {
    if (input.as_int() == INT64_MIN) fail(ErrorKind::invalid_input, "integer overflow");
    return Value(input.as_int() < 0 ? -input.as_int() : input.as_int());
  }
  if (input.is_float()) return Value(std::fabs(input.as_float()));
  if (input.is_bool()) return Value(std::int64_t{input.as_bool() ? 1 : 0});
  fail(ErrorKind::invalid_input, "bad operand type for abs(): '{}'", input.type_name());
}

Value filter_round(Interpreter&, const Value& input, CallArgs& args) {
  if (!input.is_number() && !input.is_bool()) {
    fail(ErrorKind::invalid_input, "round() expects a number, not {}", input.type_name());
  }
  double value = input.is_bool() ? (input.as_bool() ? 1 : 0) : input.as_number();
  std::int64_t precision = std::clamp<std::int64_t>(int_arg(args, 0, "precision", 0), -300, 300);
  std::string method = string_arg(args, 1, "method", "common");
  double scale = std::pow(10.0, static_cast<double>(precision));
  double scaled = value * scale;
  double rounded;
  if (method == "common") {
    rounded = std::round(scaled);
  } else if (method == "ceil") {
    rounded = std::ceil(scaled);
  } else if (method == "floor") {
    rounded = std::floor(scaled);
  } else {
    fail(ErrorKind::invalid_input, "method must be common, ceil or floor");
  }
  double result = std::isfinite(scaled) ? rounded / scale : value;
  return Value(result);
}

Value filter_safe(Interpreter&, const Value& input, CallArgs&) {
  return input;
}
Value filter_escape(Interpreter&, const Value& input, CallArgs&) {
  return Value(html_escape(to_string(input)));
}

Value filter_sum(Interpreter& interp, const Value& input, CallArgs& args) {
  const Value* attribute = args.get(0, "attribute");
  Value total = args.get_or(1, "start", Value(std::int64_t{0}));
  for (const auto& item : items_of(input)) {
    Value v = attribute && !attribute->is_none() ? attribute_path(item, to_string(*attribute)) : item;
    total = binary_operator(interp, "+", total, v);
  }
  return total;
}

Value min_max(Interpreter& interp, const Value& input, CallArgs& args, bool want_max) {
  List items = items_of(input);
  if (items.empty()) return Value(Undefined{"", "No aggregated item, sequence was empty."});
  std::size_t best = 0;
  Value best_key = sort_key(items[0], args, 0, 1);
  for (std::size_t i = 1; i < items.size(); ++i) {
    interp.charge(1);
    Value key = sort_key(items[i], args, 0, 1);
    if (want_max ? less(best_key, key) : less(key, best_key)) {
      best = i;
      best_key = std::move(key);
    }
  }
  return items[best];
}

Value filter_min(Interpreter& i, const Value& v, CallArgs& a) {
  return min_max(i, v, a, false);
}
Value filter_max(Interpreter& i, const Value& v, CallArgs& a) {
  return min_max(i, v, a, true);
}

Value filter_attr(Interpreter&, const Value& input, CallArgs& args) {
  std::string name = string_arg(args, 0, "name", "");
  if (input.is_undefined()) fail_undefined(input);
  if (input.is_dict()) {
    if (const Value* v = input.as_dict()->find(name)) return *v;
  }
  if (input.is_namespace()) {
    if (const Value* v = input.as_namespace()->attributes.find(name)) return *v;
  }
  return undefined_attribute(input, name);
}

Value filter_wordcount(Interpreter&, const Value& input, CallArgs&) {
  return Value(static_cast<std::int64_t>(split(to_string(input), std::nullopt, -1).size()));
}

const std::unordered_map<std::string, Filter>& filters() {
  static const std::unordered_map<std::string, Filter> table = {
      {"tojson", filter_tojson},
      {"trim", filter_trim},
      {"length", filter_length},
      {"count", filter_length},
      {"upper", filter_upper},
      {"lower", filter_lower},
      {"title", filter_title},
      {"capitalize", filter_capitalize},
      {"replace", filter_replace},
      {"join", filter_join},
      {"first", filter_first},
      {"last", filter_last},
      {"default", filter_default},
      {"d", filter_default},
      {"string", filter_string},
      {"int", filter_int},
      {"float", filter_float},
      {"list", filter_list},
      {"items", filter_items},
      {"selectattr", filter_selectattr},
      {"rejectattr", filter_rejectattr},
      {"select", filter_select},
      {"reject", filter_reject},
      {"map", filter_map},
      {"unique", filter_unique},
      {"sort", filter_sort},
      {"dictsort", filter_dictsort},
      {"reverse", filter_reverse},
      {"indent", filter_indent},
      {"abs", filter_abs},
      {"round", filter_round},
      {"safe", filter_safe},
      {"e", filter_escape},
      {"escape", filter_escape},
      {"sum", filter_sum},
      {"min", filter_min},
      {"max", filter_max},
      {"attr", filter_attr},
      {"wordcount", filter_wordcount},
  };
  return table;
}

}  // namespace

Value apply_filter(Interpreter& interp, const std::string& name, const Value& input, CallArgs& args) {
  auto it = filters().find(name);
  if (it == filters().end()) fail(ErrorKind::invalid_input, "unknown filter '{}'", name);
  return it->second(interp, input, args);
}

}  // namespace chunkwise::text::jinja
