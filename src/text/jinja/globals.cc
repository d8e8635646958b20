#include "text/jinja/globals.h"

#include <ctime>

#include "common/error.h"
#include "text/jinja/value_ops.h"

namespace chunkwise::text::jinja {
namespace {

std::int64_t int_argument(const Value& v) {
  if (v.is_int()) return v.as_int();
  if (v.is_bool()) return v.as_bool() ? 1 : 0;
  fail(ErrorKind::invalid_input, "'{}' object cannot be interpreted as an integer", v.type_name());
}

Value range(Interpreter& interp, CallArgs& args) {
  args.expect_at_most("range", 3);
  std::int64_t start = 0, stop = 0, step = 1;
  switch (args.positional.size()) {
    case 1:
      stop = int_argument(args.positional[0]);
      break;
    case 2:
      start = int_argument(args.positional[0]);
      stop = int_argument(args.positional[1]);
      break;
    case 3:
      start = int_argument(args.positional[0]);
      stop = int_argument(args.positional[1]);
      step = int_argument(args.positional[2]);
      break;
    default:
      fail(ErrorKind::invalid_input, "range expected at least 1 argument, got 0");
  }
  if (step == 0) fail(ErrorKind::invalid_input, "range() arg 3 must not be zero");
  // Count exactly in 128 bits: the span of two int64 values can overflow int64.
  __int128 span = step > 0 ? static_cast<__int128>(stop) - start : static_cast<__int128>(start) - stop;
  __int128 magnitude = step > 0 ? static_cast<__int128>(step) : -static_cast<__int128>(step);
  __int128 count = span <= 0 ? 0 : (span + magnitude - 1) / magnitude;
  if (count > static_cast<__int128>(interp.limits().max_list_items)) {
    fail(ErrorKind::invalid_input, "range() of {} items exceeds the limit of {} items",
         static_cast<double>(count), interp.limits().max_list_items);
  }
  auto n = static_cast<std::size_t>(count);
  interp.charge(n);
  List items;
  items.reserve(n);
  std::int64_t value = start;
  for (std::size_t i = 0; i < n; ++i) {
    items.emplace_back(value);
    if (i + 1 < n) value += step;  // stays between start and stop, so it cannot overflow
  }
  return Value(make_list(std::move(items)));
}

// dict(**kwargs) and dict(mapping, **kwargs).
Value make_dict_value(Interpreter&, CallArgs& args) {
  if (args.positional.size() > 1) fail(ErrorKind::invalid_input, "dict expected at most 1 argument");
  auto dict = make_dict();
  if (!args.positional.empty()) {
    const Value& source = args.positional[0];
    if (!source.is_dict())
      fail(ErrorKind::invalid_input, "dict() expects a mapping, not {}", source.type_name());
    for (const auto& [key, value] : source.as_dict()->entries()) dict->set(key, value);
  }
  for (const auto& [key, value] : args.keyword) dict->set(key, value);
  return Value(dict);
}

Value make_namespace_value(Interpreter&, CallArgs& args) {
  auto ns = make_namespace();
  for (const auto& arg : args.positional) {
    if (!arg.is_dict())
      fail(ErrorKind::invalid_input, "namespace() expects a mapping, not {}", arg.type_name());
    for (const auto& [key, value] : arg.as_dict()->entries()) ns->attributes.set(key, value);
  }
  for (const auto& [key, value] : args.keyword) ns->attributes.set(key, value);
  return Value(ns);
}

Value raise_exception(Interpreter&, CallArgs& args) {
  std::string message =
      args.positional.empty() ? std::string("raise_exception called") : to_string(args.positional[0]);
  throw Error(ErrorKind::invalid_input, message);
}

Value strftime_now(Interpreter&, CallArgs& args) {
  if (args.positional.empty() || !args.positional[0].is_string()) {
    fail(ErrorKind::invalid_input, "strftime_now() expects a format string");
  }
  const std::string& format = args.positional[0].as_string();
  if (format.size() > 256) fail(ErrorKind::invalid_input, "strftime_now() format longer than 256 bytes");
  std::time_t now = std::time(nullptr);
  std::tm local{};
  localtime_r(&now, &local);
  char buffer[4096];
  std::size_t n = std::strftime(buffer, sizeof buffer, format.c_str(), &local);
  return Value(std::string(buffer, n));
}

void define(Frame& frame, const char* name, Value (*function)(Interpreter&, CallArgs&)) {
  auto callable = std::make_shared<Callable>();
  callable->name = name;
  callable->call = function;
  frame.vars[name] = Value(CallablePtr(std::move(callable)));
}

}  // namespace

void install_globals(Frame& globals) {
  define(globals, "range", range);
  define(globals, "dict", make_dict_value);
  define(globals, "namespace", make_namespace_value);
  define(globals, "raise_exception", raise_exception);
  define(globals, "strftime_now", strftime_now);
}

}  // namespace chunkwise::text::jinja
