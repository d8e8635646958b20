#include "text/jinja/value_ops.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

#include "common/error.h"
#include "text/jinja/work_meter.h"

namespace chunkwise::text::jinja {
namespace {

void check_depth(int depth) {
  if (depth > kMaxValueDepth)
    fail(ErrorKind::invalid_input, "value nested deeper than {} levels", kMaxValueDepth);
}

}  // namespace

std::uint64_t visit_cost(const Value& v) {
  return 1 + (v.is_string() ? v.as_string().size() / 16 : 0);
}

namespace {

std::string quote_repr(const std::string& s) {
  bool has_single = s.find('\'') != std::string::npos;
  bool has_double = s.find('"') != std::string::npos;
  char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", u);
      out += buf;
    } else {
      out += c;
    }
  }
  out += quote;
  return out;
}

void append_repr(std::string& out, const Value& v, int depth);

void append_str(std::string& out, const Value& v, int depth) {
  check_depth(depth);
  if (v.is_string()) {
    out += v.as_string();
  } else {
    append_repr(out, v, depth);
  }
}

void append_repr(std::string& out, const Value& v, int depth) {
  check_depth(depth);
  charge_work(visit_cost(v));
  if (v.is_undefined()) {
    if (depth > 0) out += "Undefined";  // inside a container, like Python's repr(Undefined)
  } else if (v.is_none()) {
    out += "None";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "True" : "False";
  } else if (v.is_int()) {
    out += std::to_string(v.as_int());
  } else if (v.is_float()) {
    out += format_float(v.as_float());
  } else if (v.is_string()) {
    out += quote_repr(v.as_string());
  } else if (v.is_list()) {
    out += '[';
    bool first = true;
    for (const auto& item : *v.as_list()) {
      if (!first) out += ", ";
      first = false;
      append_repr(out, item, depth + 1);
    }
    out += ']';
  } else if (v.is_dict() || v.is_namespace()) {
    const Dict& d = v.is_dict() ? *v.as_dict() : v.as_namespace()->attributes;
    out += v.is_dict() ? "{" : "<Namespace {";
    bool first = true;
    for (const auto& [key, item] : d.entries()) {
      if (!first) out += ", ";
      first = false;
      out += quote_repr(key);
      out += ": ";
      append_repr(out, item, depth + 1);
    }
    out += v.is_dict() ? "}" : "}>";
  } else {
    out += "<function " + v.as_callable()->name + ">";
  }
}

// Decodes the UTF-8 sequence at s[i]; advances i. Malformed bytes decode to U+FFFD, one byte at a time.
std::uint32_t decode_utf8(std::string_view s, std::size_t& i) {
  auto byte = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  unsigned char b = byte(i);
  int extra = b >= 0xC2 && b <= 0xDF ? 1 : b >= 0xE0 && b <= 0xEF ? 2 : b >= 0xF0 && b <= 0xF4 ? 3 : 0;
  if (extra == 0) {
    ++i;
    return b < 0x80 ? b : 0xFFFD;
  }
  std::uint32_t cp = b & (0x3F >> extra);
  for (int k = 1; k <= extra; ++k) {
    if (i + static_cast<std::size_t>(k) >= s.size() ||
        (byte(i + static_cast<std::size_t>(k)) & 0xC0) != 0x80) {
      ++i;
      return 0xFFFD;
    }
    cp = (cp << 6) | (byte(i + static_cast<std::size_t>(k)) & 0x3F);
  }
  i += static_cast<std::size_t>(extra) + 1;
  return cp;
}

void append_json_string(std::string& out, std::string_view s, bool ensure_ascii) {
  out += '"';
  for (std::size_t i = 0; i < s.size();) {
    char c = s[i];
    auto u = static_cast<unsigned char>(c);
    if (ensure_ascii && u >= 0x80) {
      std::uint32_t cp = decode_utf8(s, i);
      char buf[16];
      if (cp >= 0x10000) {
        cp -= 0x10000;
        std::snprintf(buf, sizeof buf, "\\u%04x\\u%04x", 0xD800 + (cp >> 10), 0xDC00 + (cp & 0x3FF));
      } else {
        std::snprintf(buf, sizeof buf, "\\u%04x", cp);
      }
      out += buf;
      continue;
    }
    ++i;
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      default:
        if (u < 0x20) {
          char buf[8];
          std::snprintf(buf, sizeof buf, "\\u%04x", u);
          out += buf;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

void append_json(std::string& out, const Value& v, const JsonOptions& options, int depth) {
  check_depth(depth);
  charge_work(visit_cost(v));
  std::string item_sep = options.separators ? options.separators->first : options.indent ? "," : ", ";
  std::string key_sep = options.separators ? options.separators->second : ": ";
  auto newline = [&](int level) {
    if (!options.indent) return;
    std::size_t width =
        static_cast<std::size_t>(std::max(0, *options.indent)) * static_cast<std::size_t>(level);
    charge_work(width / 16);  // deep indentation of many items is output like any other
    out += '\n';
    out.append(width, ' ');
  };
  if (v.is_undefined()) {
    fail(ErrorKind::invalid_input, "Object of type Undefined is not JSON serializable ({})",
         undefined_message(v.as_undefined()));
  } else if (v.is_none()) {
    out += "null";
  } else if (v.is_bool()) {
    out += v.as_bool() ? "true" : "false";
  } else if (v.is_int()) {
    out += std::to_string(v.as_int());
  } else if (v.is_float()) {
    double d = v.as_float();
    out += std::isnan(d) ? "NaN" : std::isinf(d) ? (d > 0 ? "Infinity" : "-Infinity") : format_float(d);
  } else if (v.is_string()) {
    append_json_string(out, v.as_string(), options.ensure_ascii);
  } else if (v.is_list()) {
    const List& items = *v.as_list();
    if (items.empty()) {
      out += "[]";
      return;
    }
    out += '[';
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (i > 0) out += item_sep;
      newline(depth + 1);
      append_json(out, items[i], options, depth + 1);
    }
    newline(depth);
    out += ']';
  } else if (v.is_dict() || v.is_namespace()) {
    const Dict& d = v.is_dict() ? *v.as_dict() : v.as_namespace()->attributes;
    if (d.empty()) {
      out += "{}";
      return;
    }
    std::vector<const std::pair<std::string, Value>*> entries;
    for (const auto& e : d.entries()) entries.push_back(&e);
    if (options.sort_keys) {
      std::stable_sort(entries.begin(), entries.end(), [](auto* a, auto* b) { return a->first < b->first; });
    }
    out += '{';
    bool first = true;
    for (const auto* e : entries) {
      if (!first) out += item_sep;
      first = false;
      newline(depth + 1);
      append_json_string(out, e->first, options.ensure_ascii);
      out += key_sep;
      append_json(out, e->second, options, depth + 1);
    }
    newline(depth);
    out += '}';
  } else {
    fail(ErrorKind::invalid_input, "Object of type function is not JSON serializable");
  }
}

bool equals_at(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  charge_work(visit_cost(a));
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    auto num = [](const Value& v) -> double { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_number(); };
    if (a.is_int() && b.is_int()) return a.as_int() == b.as_int();
    return num(a) == num(b);
  }
  if (a.storage().index() != b.storage().index()) return false;
  if (a.is_undefined() || a.is_none()) return true;
  if (a.is_string()) return a.as_string() == b.as_string();
  if (a.is_list()) {
    const List& x = *a.as_list();
    const List& y = *b.as_list();
    if (&x == &y) return true;
    if (x.size() != y.size()) return false;
    for (std::size_t i = 0; i < x.size(); ++i) {
      if (!equals_at(x[i], y[i], depth + 1)) return false;
    }
    return true;
  }
  if (a.is_dict()) {
    const Dict& x = *a.as_dict();
    const Dict& y = *b.as_dict();
    if (&x == &y) return true;
    if (x.size() != y.size()) return false;
    for (const auto& [key, item] : x.entries()) {
      const Value* other = y.find(key);
      if (!other || !equals_at(item, *other, depth + 1)) return false;
    }
    return true;
  }
  if (a.is_namespace()) return a.as_namespace() == b.as_namespace();
  return a.as_callable() == b.as_callable();
}

bool less_at(const Value& a, const Value& b, int depth) {
  check_depth(depth);
  charge_work(visit_cost(a));
  if ((a.is_number() || a.is_bool()) && (b.is_number() || b.is_bool())) {
    if (a.is_int() && b.is_int()) return a.as_int() < b.as_int();
    auto num = [](const Value& v) -> double { return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_number(); };
    return num(a) < num(b);
  }
  if (a.is_string() && b.is_string()) return a.as_string() < b.as_string();
  if (a.is_list() && b.is_list()) {
    const List& x = *a.as_list();
    const List& y = *b.as_list();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (less_at(x[i], y[i], depth + 1)) return true;
      if (less_at(y[i], x[i], depth + 1)) return false;
    }
    return x.size() < y.size();
  }
  if (a.is_undefined()) fail_undefined(a);
  if (b.is_undefined()) fail_undefined(b);
  fail(ErrorKind::invalid_input, "'<' not supported between instances of '{}' and '{}'", a.type_name(),
       b.type_name());
}

}  // namespace

std::string format_float(double d) {
  if (std::isnan(d)) return "nan";
  if (std::isinf(d)) return d > 0 ? "inf" : "-inf";
  if (d == 0) return std::signbit(d) ? "-0.0" : "0.0";
  char buf[64];
  auto result = std::to_chars(buf, buf + sizeof buf, d, std::chars_format::scientific);
  std::string sci(buf, result.ptr);
  std::string sign;
  if (sci[0] == '-') {
    sign = "-";
    sci.erase(0, 1);
  }
  std::size_t e = sci.find('e');
  std::string digits = sci.substr(0, e);
  int exponent = std::stoi(sci.substr(e + 1));
  digits.erase(std::remove(digits.begin(), digits.end(), '.'), digits.end());
  if (exponent >= -4 && exponent < 16) {
    std::string out;
    if (exponent < 0) {
      out = "0." + std::string(static_cast<std::size_t>(-exponent - 1), '0') + digits;
    } else {
      std::size_t int_len = static_cast<std::size_t>(exponent) + 1;
      if (digits.size() <= int_len) {
        out = digits + std::string(int_len - digits.size(), '0') + ".0";
      } else {
        out = digits.substr(0, int_len) + "." + digits.substr(int_len);
      }
    }
    return sign + out;
  }
  std::string mantissa = digits.substr(0, 1);
  if (digits.size() > 1) mantissa += "." + digits.substr(1);
  char exp_buf[16];
  std::snprintf(exp_buf, sizeof exp_buf, "e%c%02d", exponent < 0 ? '-' : '+', std::abs(exponent));
  return sign + mantissa + exp_buf;
}

std::string to_string(const Value& v) {
  if (v.is_string()) return v.as_string();
  std::string out;
  append_str(out, v, 0);
  return out;
}

std::string repr(const Value& v) {
  std::string out;
  append_repr(out, v, 0);
  return out;
}

std::string to_json(const Value& v, const JsonOptions& options) {
  std::string out;
  append_json(out, v, options, 0);
  return out;
}

bool equals(const Value& a, const Value& b) {
  return equals_at(a, b, 0);
}
bool less(const Value& a, const Value& b) {
  return less_at(a, b, 0);
}

std::size_t length(const Value& v) {
  if (v.is_string()) return utf8_length(v.as_string());
  if (v.is_list()) return v.as_list()->size();
  if (v.is_dict()) return v.as_dict()->size();
  if (v.is_undefined()) return 0;
  fail(ErrorKind::invalid_input, "object of type '{}' has no len()", v.type_name());
}

List iterate(const Value& v) {
  if (v.is_list()) {
    for (const auto& item : *v.as_list()) charge_work(visit_cost(item));
    return *v.as_list();
  }
  if (v.is_dict()) {
    List keys;
    for (const auto& [key, item] : v.as_dict()->entries()) keys.emplace_back(key);
    return keys;
  }
  if (v.is_string()) {
    List chars;
    for (auto& c : utf8_characters(v.as_string())) chars.emplace_back(std::move(c));
    return chars;
  }
  if (v.is_undefined()) return {};
  fail(ErrorKind::invalid_input, "'{}' object is not iterable", v.type_name());
}

namespace {

// jinja2's object_type_repr: "None", or "<type> object".
std::string object_type_repr(const Value& object) {
  if (object.is_none()) return "None";
  return fmt::format("{} object", object.type_name());
}

}  // namespace

Value undefined_attribute(const Value& object, const std::string& name) {
  return Value(
      Undefined{name, fmt::format("'{}' has no attribute {}", object_type_repr(object), repr(Value(name)))});
}

Value undefined_element(const Value& object, const Value& key) {
  if (key.is_string()) return undefined_attribute(object, key.as_string());
  return Value(
      Undefined{to_string(key), fmt::format("{} has no element {}", object_type_repr(object), repr(key))});
}

void fail_undefined(const Value& v) {
  fail(ErrorKind::invalid_input, "{}",
       v.is_undefined() ? undefined_message(v.as_undefined()) : "value is undefined");
}

std::vector<std::string> utf8_characters(std::string_view s) {
  charge_work(1 + s.size() / 4);
  std::vector<std::string> out;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80 && n < 4) ++n;
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

std::size_t utf8_length(std::string_view s) {
  std::size_t count = 0;
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 1;
    while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80 && n < 4) ++n;
    i += n;
    ++count;
  }
  return count;
}

}  // namespace chunkwise::text::jinja
