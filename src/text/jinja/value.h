// Runtime values of the Jinja interpreter: none, bool, int, float, string, list, dict (insertion ordered),
// namespace, callable and undefined. Lists, dicts and namespaces are shared and mutable (list.append,
// namespace attribute assignment), like Python objects.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

namespace chunkwise::text::jinja {

class Value;

// A missing variable, key, index or attribute. Like Python jinja2's default Undefined it prints as "",
// iterates as empty, is false, has length 0, compares with == and passes `is defined` and `default`; any
// further attribute or item access, arithmetic, ordering or call on it is an error that explains what was
// missing.
struct Undefined {
  std::string name;     // what was looked up, for error messages ("" when unknown)
  std::string message;  // why it is undefined ("'dict object' has no attribute 'x'"); "" for a missing name
};

// The error that using `u` raises: its message, or "'name' is undefined".
std::string undefined_message(const Undefined& u);

using List = std::vector<Value>;

class Dict;
struct Namespace;
struct CallArgs;
class Interpreter;

// A function callable from a template (`range`, a macro, `raise_exception`...).
struct Callable {
  std::string name;
  std::function<Value(Interpreter&, CallArgs&)> call;
};

using ListPtr = std::shared_ptr<List>;
using DictPtr = std::shared_ptr<Dict>;
using NamespacePtr = std::shared_ptr<Namespace>;
using CallablePtr = std::shared_ptr<const Callable>;

class Value {
 public:
  using Storage = std::variant<Undefined, std::nullptr_t, bool, std::int64_t, double, std::string, ListPtr,
                               DictPtr, NamespacePtr, CallablePtr>;

  Value() = default;
  Value(Undefined u) : v_(std::move(u)) {}
  Value(std::nullptr_t) : v_(nullptr) {}
  Value(bool b) : v_(b) {}
  Value(int i) : v_(static_cast<std::int64_t>(i)) {}
  Value(std::int64_t i) : v_(i) {}
  Value(double d) : v_(d) {}
  Value(std::string s) : v_(std::move(s)) {}
  Value(std::string_view s) : v_(std::string(s)) {}
  Value(const char* s) : v_(std::string(s)) {}
  Value(ListPtr l) : v_(std::move(l)) {}
  Value(DictPtr d) : v_(std::move(d)) {}
  Value(NamespacePtr n) : v_(std::move(n)) {}
  Value(CallablePtr c) : v_(std::move(c)) {}

  bool is_undefined() const { return std::holds_alternative<Undefined>(v_); }
  bool is_none() const { return std::holds_alternative<std::nullptr_t>(v_); }
  bool is_bool() const { return std::holds_alternative<bool>(v_); }
  bool is_int() const { return std::holds_alternative<std::int64_t>(v_); }
  bool is_float() const { return std::holds_alternative<double>(v_); }
  bool is_number() const { return is_int() || is_float(); }
  bool is_string() const { return std::holds_alternative<std::string>(v_); }
  bool is_list() const { return std::holds_alternative<ListPtr>(v_); }
  bool is_dict() const { return std::holds_alternative<DictPtr>(v_); }
  bool is_namespace() const { return std::holds_alternative<NamespacePtr>(v_); }
  bool is_callable() const { return std::holds_alternative<CallablePtr>(v_); }

  bool as_bool() const { return std::get<bool>(v_); }
  std::int64_t as_int() const { return std::get<std::int64_t>(v_); }
  double as_float() const { return std::get<double>(v_); }
  double as_number() const { return is_int() ? static_cast<double>(as_int()) : as_float(); }
  const std::string& as_string() const { return std::get<std::string>(v_); }
  std::string& as_string() { return std::get<std::string>(v_); }
  const ListPtr& as_list() const { return std::get<ListPtr>(v_); }
  const DictPtr& as_dict() const { return std::get<DictPtr>(v_); }
  const NamespacePtr& as_namespace() const { return std::get<NamespacePtr>(v_); }
  const CallablePtr& as_callable() const { return std::get<CallablePtr>(v_); }
  const Undefined& as_undefined() const { return std::get<Undefined>(v_); }

  const Storage& storage() const { return v_; }

  // Python truthiness: empty strings and containers, 0, none and undefined are false.
  bool truthy() const;
  // The Python type name, for error messages: "str", "int", "list", "dict", "NoneType", "undefined"...
  const char* type_name() const;

 private:
  Storage v_;
};

// A string-keyed map that remembers insertion order, like a Python dict.
class Dict {
 public:
  const Value* find(std::string_view key) const;
  Value* find(std::string_view key);
  void set(const std::string& key, Value value);
  bool erase(std::string_view key);
  const std::vector<std::pair<std::string, Value>>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }
  void clear();

 private:
  std::vector<std::pair<std::string, Value>> entries_;
  std::map<std::string, std::size_t, std::less<>> index_;
};

// A `namespace(...)` object: attributes that may be assigned from inner scopes.
struct Namespace {
  Dict attributes;
};

// Containers made while a render runs are registered in the current render's heap (see heap.h), which
// breaks reference cycles and deep chains when the render ends.
ListPtr make_list(List items = {});
DictPtr make_dict();
NamespacePtr make_namespace();

// Deeper JSON is rejected rather than converted recursively.
inline constexpr int kMaxJsonDepth = 256;
Value from_json(const nlohmann::json& json, int depth = 0);
// Keeps the key order of objects (Python dicts do; tojson output depends on it).
Value from_json(const nlohmann::ordered_json& json, int depth = 0);

}  // namespace chunkwise::text::jinja
