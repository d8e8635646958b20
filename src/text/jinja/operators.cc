#include "text/jinja/operators.h"

#include <cmath>
#include <limits>

#include "common/error.h"
#include "text/jinja/interpreter.h"
#include "text/jinja/string_ops.h"
#include "text/jinja/value_ops.h"

namespace chunkwise::text::jinja {
namespace {

bool is_numeric(const Value& v) {
  return v.is_number() || v.is_bool();
}
bool is_integral(const Value& v) {
  return v.is_int() || v.is_bool();
}
std::int64_t to_int(const Value& v) {
  return v.is_bool() ? (v.as_bool() ? 1 : 0) : v.as_int();
}
double to_double(const Value& v) {
  return v.is_bool() ? (v.as_bool() ? 1.0 : 0.0) : v.as_number();
}

[[noreturn]] void unsupported(std::string_view op, const Value& a, const Value& b) {
  for (const Value* v : {&a, &b}) {
    if (v->is_undefined()) fail_undefined(*v);
  }
  fail(ErrorKind::invalid_input, "unsupported operand type(s) for {}: '{}' and '{}'", op, a.type_name(),
       b.type_name());
}

[[noreturn]] void overflow() {
  fail(ErrorKind::invalid_input, "integer overflow");
}

Value checked_float(double d) {
  if (std::isinf(d)) fail(ErrorKind::invalid_input, "numerical result out of range");
  return Value(d);
}

Value repeat_string(Interpreter& interp, const std::string& s, std::int64_t times) {
  if (times <= 0 || s.empty()) return Value(std::string());
  if (static_cast<std::uint64_t>(times) > interp.limits().max_string_bytes / s.size()) {
    fail(ErrorKind::invalid_input, "string repetition result exceeds {} bytes",
         interp.limits().max_string_bytes);
  }
  std::size_t total = s.size() * static_cast<std::size_t>(times);
  interp.charge(total / 64);
  std::string out;
  out.reserve(total);
  for (std::int64_t i = 0; i < times; ++i) out += s;
  return Value(std::move(out));
}

Value repeat_list(Interpreter& interp, const List& items, std::int64_t times) {
  if (times <= 0 || items.empty()) return Value(make_list());
  if (static_cast<std::uint64_t>(times) > interp.limits().max_list_items / items.size()) {
    fail(ErrorKind::invalid_input, "list repetition result exceeds {} items", interp.limits().max_list_items);
  }
  std::size_t total = items.size() * static_cast<std::size_t>(times);
  std::uint64_t cost = 0;
  for (const auto& item : items) cost += visit_cost(item);
  interp.charge(cost * static_cast<std::uint64_t>(times));
  List out;
  out.reserve(total);
  for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), items.begin(), items.end());
  return Value(make_list(std::move(out)));
}

Value power(const Value& a, const Value& b) {
  if (is_integral(a) && is_integral(b) && to_int(b) >= 0) {
    std::int64_t base = to_int(a);
    std::int64_t exp = to_int(b);
    std::int64_t result = 1;
    while (exp > 0) {
      if (exp & 1) {
        if (__builtin_mul_overflow(result, base, &result)) overflow();
      }
      exp >>= 1;
      if (exp > 0 && __builtin_mul_overflow(base, base, &base)) overflow();
    }
    return Value(result);
  }
  double x = to_double(a);
  double y = to_double(b);
  if (x == 0 && y < 0) fail(ErrorKind::invalid_input, "0.0 cannot be raised to a negative power");
  double r = std::pow(x, y);
  if (std::isnan(r) && !std::isnan(x) && !std::isnan(y)) {
    fail(ErrorKind::invalid_input, "complex results are not supported");
  }
  return checked_float(r);
}

}  // namespace

Value negate(const Value& v) {
  if (v.is_int()) {
    if (v.as_int() == std::numeric_limits<std::int64_t>::min()) overflow();
    return Value(-v.as_int());
  }
  if (v.is_bool()) return Value(static_cast<std::int64_t>(v.as_bool() ? -1 : 0));
  if (v.is_float()) return Value(-v.as_float());
  if (v.is_undefined()) unsupported("-", v, v);
  fail(ErrorKind::invalid_input, "bad operand type for unary -: '{}'", v.type_name());
}

bool contains(const Value& haystack, const Value& needle) {
  if (haystack.is_string()) {
    if (!needle.is_string()) {
      fail(ErrorKind::invalid_input, "'in <string>' requires string as left operand, not {}",
           needle.type_name());
    }
    return find_text(haystack.as_string(), needle.as_string(), 0) != std::string::npos;
  }
  if (haystack.is_list()) {
    for (const auto& item : *haystack.as_list()) {
      if (equals(item, needle)) return true;
    }
    return false;
  }
  if (haystack.is_dict())
    return needle.is_string() && haystack.as_dict()->find(needle.as_string()) != nullptr;
  if (haystack.is_undefined()) return false;
  fail(ErrorKind::invalid_input, "argument of type '{}' is not iterable", haystack.type_name());
}

Value binary_operator(Interpreter& interp, std::string_view op, const Value& a, const Value& b) {
  if (op == "~") {
    std::string left = to_string(a);
    std::string right = to_string(b);
    interp.check_string_size(left.size() + right.size());
    return Value(left + right);
  }
  if (op == "in") return Value(contains(b, a));
  if (is_numeric(a) && is_numeric(b)) {
    bool integral = is_integral(a) && is_integral(b);
    std::int64_t x = integral ? to_int(a) : 0, y = integral ? to_int(b) : 0, r = 0;
    double p = to_double(a), q = to_double(b);
    if (op == "+") {
      if (!integral) return checked_float(p + q);
      if (__builtin_add_overflow(x, y, &r)) overflow();
      return Value(r);
    }
    if (op == "-") {
      if (!integral) return checked_float(p - q);
      if (__builtin_sub_overflow(x, y, &r)) overflow();
      return Value(r);
    }
    if (op == "*") {
      if (!integral) return checked_float(p * q);
      if (__builtin_mul_overflow(x, y, &r)) overflow();
      return Value(r);
    }
    if (op == "**") return power(a, b);
    if (q == 0)
      fail(ErrorKind::invalid_input, "{}",
           op == "/" ? "division by zero" : "integer division or modulo by zero");
    if (op == "/") return checked_float(p / q);
    if (op == "//") {
      if (!integral) return checked_float(std::floor(p / q));
      if (x == std::numeric_limits<std::int64_t>::min() && y == -1) overflow();
      std::int64_t quotient = x / y;
      if ((x % y != 0) && ((x < 0) != (y < 0))) --quotient;
      return Value(quotient);
    }
    if (op == "%") {
      if (!integral) {
        double m = std::fmod(p, q);
        if (m != 0 && ((m < 0) != (q < 0))) m += q;
        return Value(m);
      }
      if (y == -1) return Value(static_cast<std::int64_t>(0));
      std::int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) m += y;
      return Value(m);
    }
  }
  if (op == "+") {
    // Python's message for str + non-str and list + non-list.
    for (const char* type : {"str", "list"}) {
      if (a.type_name() == std::string_view(type) && b.type_name() != std::string_view(type) &&
          !b.is_undefined()) {
        fail(ErrorKind::invalid_input, "can only concatenate {} (not \"{}\") to {}", type, b.type_name(),
             type);
      }
    }
    if (a.is_string() && b.is_string()) {
      interp.check_string_size(a.as_string().size() + b.as_string().size());
      return Value(a.as_string() + b.as_string());
    }
    if (a.is_list() && b.is_list()) {
      interp.check_list_size(a.as_list()->size() + b.as_list()->size());
      List out = iterate(a);
      List more = iterate(b);
      out.insert(out.end(), more.begin(), more.end());
      return Value(make_list(std::move(out)));
    }
  }
  if (op == "*") {
    if (a.is_string() && is_integral(b)) return repeat_string(interp, a.as_string(), to_int(b));
    if (b.is_string() && is_integral(a)) return repeat_string(interp, b.as_string(), to_int(a));
    if (a.is_list() && is_integral(b)) return repeat_list(interp, *a.as_list(), to_int(b));
    if (b.is_list() && is_integral(a)) return repeat_list(interp, *b.as_list(), to_int(a));
  }
  unsupported(op, a, b);
}

}  // namespace chunkwise::text::jinja
