#include "text/jinja/test_predicates.h"

#include <cmath>
#include <unordered_map>

#include "common/error.h"
#include "text/jinja/operators.h"
#include "text/jinja/value_ops.h"

namespace chunkwise::text::jinja {
namespace {

using Test = bool (*)(const Value&, const CallArgs&);

const Value& argument(const CallArgs& args, const char* test) {
  if (args.positional.empty()) fail(ErrorKind::invalid_input, "test '{}' needs an argument", test);
  return args.positional[0];
}

bool is_integer_valued(const Value& v) {
  return v.is_int();
}

bool test_divisibleby(const Value& v, const CallArgs& args) {
  const Value& d = argument(args, "divisibleby");
  if (v.is_int() && d.is_int()) {
    if (d.as_int() == 0) fail(ErrorKind::invalid_input, "integer division or modulo by zero");
    if (d.as_int() == -1) return true;
    return v.as_int() % d.as_int() == 0;
  }
  if (v.is_number() && d.is_number()) {
    if (d.as_number() == 0) fail(ErrorKind::invalid_input, "float modulo");
    return std::fmod(v.as_number(), d.as_number()) == 0;
  }
  fail(ErrorKind::invalid_input, "divisibleby expects numbers");
}

const std::unordered_map<std::string, Test>& tests() {
  static const std::unordered_map<std::string, Test> table = {
      {"defined", [](const Value& v, const CallArgs&) { return !v.is_undefined(); }},
      {"undefined", [](const Value& v, const CallArgs&) { return v.is_undefined(); }},
      {"none", [](const Value& v, const CallArgs&) { return v.is_none(); }},
      {"string", [](const Value& v, const CallArgs&) { return v.is_string(); }},
      {"number", [](const Value& v, const CallArgs&) { return v.is_number(); }},
      {"integer", [](const Value& v, const CallArgs&) { return is_integer_valued(v); }},
      {"float", [](const Value& v, const CallArgs&) { return v.is_float(); }},
      {"boolean", [](const Value& v, const CallArgs&) { return v.is_bool(); }},
      {"true", [](const Value& v, const CallArgs&) { return v.is_bool() && v.as_bool(); }},
      {"false", [](const Value& v, const CallArgs&) { return v.is_bool() && !v.as_bool(); }},
      {"mapping", [](const Value& v, const CallArgs&) { return v.is_dict(); }},
      {"iterable",
       [](const Value& v, const CallArgs&) { return v.is_list() || v.is_dict() || v.is_string(); }},
      {"sequence",
       [](const Value& v, const CallArgs&) { return v.is_list() || v.is_dict() || v.is_string(); }},
      {"callable", [](const Value& v, const CallArgs&) { return v.is_callable(); }},
      {"even",
       [](const Value& v, const CallArgs&) {
         if (!v.is_int()) fail(ErrorKind::invalid_input, "even expects an integer, not {}", v.type_name());
         return v.as_int() % 2 == 0;
       }},
      {"odd",
       [](const Value& v, const CallArgs&) {
         if (!v.is_int()) fail(ErrorKind::invalid_input, "odd expects an integer, not {}", v.type_name());
         return v.as_int() % 2 != 0;
       }},
      {"divisibleby", test_divisibleby},
      {"in", [](const Value& v, const CallArgs& a) { return contains(argument(a, "in"), v); }},
      {"eq", [](const Value& v, const CallArgs& a) { return equals(v, argument(a, "eq")); }},
      {"equalto", [](const Value& v, const CallArgs& a) { return equals(v, argument(a, "equalto")); }},
      {"==", [](const Value& v, const CallArgs& a) { return equals(v, argument(a, "==")); }},
      {"ne", [](const Value& v, const CallArgs& a) { return !equals(v, argument(a, "ne")); }},
      {"!=", [](const Value& v, const CallArgs& a) { return !equals(v, argument(a, "!=")); }},
      {"lt", [](const Value& v, const CallArgs& a) { return less(v, argument(a, "lt")); }},
      {"lessthan", [](const Value& v, const CallArgs& a) { return less(v, argument(a, "lessthan")); }},
      {"<", [](const Value& v, const CallArgs& a) { return less(v, argument(a, "<")); }},
      {"le", [](const Value& v, const CallArgs& a) { return !less(argument(a, "le"), v); }},
      {"<=", [](const Value& v, const CallArgs& a) { return !less(argument(a, "<="), v); }},
      {"gt", [](const Value& v, const CallArgs& a) { return less(argument(a, "gt"), v); }},
      {"greaterthan", [](const Value& v, const CallArgs& a) { return less(argument(a, "greaterthan"), v); }},
      {">", [](const Value& v, const CallArgs& a) { return less(argument(a, ">"), v); }},
      {"ge", [](const Value& v, const CallArgs& a) { return !less(v, argument(a, "ge")); }},
      {">=", [](const Value& v, const CallArgs& a) { return !less(v, argument(a, ">=")); }},
      {"sameas",
       [](const Value& v, const CallArgs& a) {
         const Value& other = argument(a, "sameas");
         if (v.storage().index() != other.storage().index()) return false;
         if (v.is_list()) return v.as_list() == other.as_list();
         if (v.is_dict()) return v.as_dict() == other.as_dict();
         return equals(v, other);
       }},
      {"lower",
       [](const Value& v, const CallArgs&) {
         if (!v.is_string()) return false;
         for (char c : v.as_string()) {
           if (c >= 'A' && c <= 'Z') return false;
         }
         return true;
       }},
      {"upper",
       [](const Value& v, const CallArgs&) {
         if (!v.is_string()) return false;
         for (char c : v.as_string()) {
           if (c >= 'a' && c <= 'z') return false;
         }
         return true;
       }},
  };
  return table;
}

}  // namespace

bool apply_test(Interpreter&, const std::string& name, const Value& input, CallArgs& args) {
  auto it = tests().find(name);
  if (it == tests().end()) fail(ErrorKind::invalid_input, "unknown test '{}'", name);
  return it->second(input, args);
}

}  // namespace chunkwise::text::jinja
