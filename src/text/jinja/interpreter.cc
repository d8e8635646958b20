#include "text/jinja/interpreter.h"

#include <new>

#include "text/jinja/filters.h"
#include "text/jinja/heap.h"
#include "text/jinja/methods.h"
#include "text/jinja/operators.h"
#include "text/jinja/test_predicates.h"
#include "text/jinja/value_ops.h"

namespace chunkwise::text::jinja {

const Value* Frame::find(const std::string& name) const {
  for (const Frame* f = this; f; f = f->parent.get()) {
    auto it = f->vars.find(name);
    if (it != f->vars.end()) return &it->second;
  }
  return nullptr;
}

struct Interpreter::DepthGuard {
  DepthGuard(Interpreter& interp, Location where) : interp(interp) {
    if (++interp.depth_ > interp.limits_.max_eval_depth) {
      --interp.depth_;
      fail_at(where, "template evaluation nested deeper than {} levels", interp.limits_.max_eval_depth);
    }
  }
  ~DepthGuard() { --interp.depth_; }
  Interpreter& interp;
};

namespace {

// Runs `body`; an error without a template location gets `where`.
template <typename Body>
decltype(auto) located(Location where, Body&& body) {
  try {
    return body();
  } catch (const TemplateError&) {
    throw;
  } catch (const Error& e) {
    throw TemplateError(e.kind(), where, e.what());
  } catch (const std::bad_alloc&) {
    throw;
  } catch (const std::exception& e) {
    throw TemplateError(ErrorKind::internal, where, e.what());
  }
}

Value undefined_named(std::string name) {
  return Value(Undefined{std::move(name), ""});
}

// Python-style index into a sequence of `size`; nullopt when out of range.
std::optional<std::size_t> normalize_index(std::int64_t index, std::size_t size) {
  auto n = static_cast<std::int64_t>(size);
  if (index < 0) index += n;
  if (index < 0 || index >= n) return std::nullopt;
  return static_cast<std::size_t>(index);
}

// The indices that a Python slice [start:stop:step] selects from a sequence of `size`.
std::vector<std::size_t> slice_indices(const Value& start_v, const Value& stop_v, const Value& step_v,
                                       std::size_t size) {
  auto as_index = [](const Value& v, const char* what) -> std::optional<std::int64_t> {
    if (v.is_undefined() || v.is_none()) return std::nullopt;
    if (v.is_int()) return v.as_int();
    if (v.is_bool()) return v.as_bool() ? 1 : 0;
    fail(ErrorKind::invalid_input, "slice {} must be an integer or none, not {}", what, v.type_name());
  };
  auto n = static_cast<std::int64_t>(size);
  std::int64_t step = as_index(step_v, "step").value_or(1);
  if (step == 0) fail(ErrorKind::invalid_input, "slice step cannot be zero");
  auto clamp = [&](std::optional<std::int64_t> v, std::int64_t fallback) {
    if (!v) return fallback;
    std::int64_t i = *v;
    if (i < 0) {
      i = i < -n ? -1 : i + n;
      if (step > 0 && i < 0) i = 0;
    } else if (i >= n) {
      i = step > 0 ? n : n - 1;
    }
    return i;
  };
  std::int64_t start = clamp(as_index(start_v, "start"), step > 0 ? 0 : n - 1);
  std::int64_t stop = clamp(as_index(stop_v, "stop"), step > 0 ? n : -1);
  std::vector<std::size_t> out;
  // Stop before stepping past the end: i + step must not overflow for huge steps.
  if (step > 0) {
    for (std::int64_t i = start; i < stop; i += step) {
      out.push_back(static_cast<std::size_t>(i));
      if (step >= stop - i) break;
    }
  } else {
    for (std::int64_t i = start; i > stop && i >= 0; i += step) {
      out.push_back(static_cast<std::size_t>(i));
      if (i + step <= stop) break;
    }
  }
  return out;
}

// `object.name`: a dict key or namespace attribute, else undefined. Any access on an undefined object raises,
// like jinja2's default Undefined.
Value get_attribute(const Value& object, const std::string& name) {
  if (object.is_undefined()) fail_undefined(object);
  if (object.is_dict()) {
    if (const Value* v = object.as_dict()->find(name)) return *v;
  } else if (object.is_namespace()) {
    if (const Value* v = object.as_namespace()->attributes.find(name)) return *v;
  }
  return undefined_attribute(object, name);
}

// `object[key]`: a dict key, a list or string element, else undefined.
Value get_item(const Value& object, const Value& key) {
  if (object.is_undefined()) fail_undefined(object);
  if (object.is_dict()) {
    if (key.is_string()) {
      if (const Value* v = object.as_dict()->find(key.as_string())) return *v;
    }
    return undefined_element(object, key);
  }
  if (object.is_namespace() && key.is_string()) return get_attribute(object, key.as_string());
  if ((object.is_list() || object.is_string()) && (key.is_int() || key.is_bool())) {
    std::int64_t i = key.is_int() ? key.as_int() : key.as_bool() ? 1 : 0;
    if (object.is_list()) {
      auto index = normalize_index(i, object.as_list()->size());
      return index ? (*object.as_list())[*index] : undefined_element(object, key);
    }
    auto chars = utf8_characters(object.as_string());
    auto index = normalize_index(i, chars.size());
    return index ? Value(std::move(chars[*index])) : undefined_element(object, key);
  }
  // jinja2's sandbox turns the TypeError of list['x'] or 'abc'[1.5] into undefined too.
  return undefined_element(object, key);
}

}  // namespace

void Interpreter::charge(std::uint64_t steps) {
  meter_.charge(steps);
}

void Interpreter::check_string_size(std::size_t size) const {
  if (size > limits_.max_string_bytes) {
    fail(ErrorKind::invalid_input, "string of {} bytes exceeds the limit of {} bytes", size,
         limits_.max_string_bytes);
  }
}

void Interpreter::check_list_size(std::size_t items) const {
  if (items > limits_.max_list_items) {
    fail(ErrorKind::invalid_input, "list of {} items exceeds the limit of {} items", items,
         limits_.max_list_items);
  }
}

void Interpreter::emit(std::string& out, std::string_view text) {
  if (text.size() > limits_.max_output_bytes - std::min(out.size(), limits_.max_output_bytes)) {
    fail(ErrorKind::invalid_input, "template output exceeds the limit of {} bytes", limits_.max_output_bytes);
  }
  charge(text.size() / 64);
  out += text;
}

std::string Interpreter::render(const Program& program, std::shared_ptr<Frame> globals) {
  globals_ = std::move(globals);
  std::string out;
  exec_body(program.body, globals_, out);
  return out;
}

Interpreter::Flow Interpreter::exec_body(const Body& body, const std::shared_ptr<Frame>& frame,
                                         std::string& out) {
  for (const auto& stmt : body) {
    Flow flow = exec(*stmt, frame, out);
    if (flow != Flow::normal) return flow;
  }
  return Flow::normal;
}

Interpreter::Flow Interpreter::exec(const Stmt& stmt, const std::shared_ptr<Frame>& frame, std::string& out) {
  DepthGuard guard(*this, stmt.location);
  return located(stmt.location, [&]() -> Flow {
    charge(1);
    switch (stmt.kind) {
      case StmtKind::text:
        emit(out, stmt.text);
        return Flow::normal;
      case StmtKind::output: {
        Value v = eval(*stmt.expr, frame);
        if (v.is_string()) {
          emit(out, v.as_string());
        } else {
          emit(out, to_string(v));
        }
        return Flow::normal;
      }
      case StmtKind::if_:
        for (const auto& [condition, body] : stmt.branches) {
          if (eval(*condition, frame).truthy()) return exec_body(body, frame, out);
        }
        return exec_body(stmt.else_body, frame, out);
      case StmtKind::for_:
        return exec_for(stmt, frame, out);
      case StmtKind::set:
        exec_set(stmt, frame, eval(*stmt.expr, frame));
        return Flow::normal;
      case StmtKind::set_block:
      case StmtKind::filter: {
        std::string body;
        exec_body(stmt.body, frame, body);
        Value value(std::move(body));
        if (stmt.expr) {
          const Value* saved = block_value_;
          block_value_ = &value;
          Value filtered;
          try {
            filtered = eval(*stmt.expr, frame);
          } catch (...) {
            block_value_ = saved;
            throw;
          }
          block_value_ = saved;
          value = std::move(filtered);
        }
        if (stmt.kind == StmtKind::set_block) {
          exec_set(stmt, frame, std::move(value));
        } else {
          emit(out, to_string(value));
        }
        return Flow::normal;
      }
      case StmtKind::macro:
        define_macro(stmt, frame);
        return Flow::normal;
      case StmtKind::do_:
        eval(*stmt.expr, frame);
        return Flow::normal;
      case StmtKind::break_:
        return Flow::break_loop;
      case StmtKind::continue_:
        return Flow::continue_loop;
    }
    return Flow::normal;
  });
}

namespace {

void bind_targets(Frame& frame, const std::vector<std::string>& targets, const Value& value) {
  if (targets.size() == 1) {
    frame.vars[targets[0]] = value;
    return;
  }
  List items = value.is_list() ? *value.as_list() : iterate(value);
  if (items.size() != targets.size()) {
    fail(ErrorKind::invalid_input, "cannot unpack {} values into {} variables", items.size(), targets.size());
  }
  for (std::size_t i = 0; i < targets.size(); ++i) frame.vars[targets[i]] = items[i];
}

}  // namespace

namespace {

// A `loop` variable. Thousands of iterations would otherwise each leave a dict in the render heap; this one
// joins the heap only if something still refers to it when its iteration ends.
struct LoopObject {
  DictPtr dict = std::make_shared<Dict>();
  ~LoopObject() {
    if (dict.use_count() > 1) {
      if (auto* heap = RenderHeap::current()) heap->adopt(dict);
    }
  }
};

}  // namespace

Interpreter::Flow Interpreter::exec_for(const Stmt& stmt, const std::shared_ptr<Frame>& frame,
                                        std::string& out) {
  Value iterable = eval(*stmt.expr, frame);
  List items = iterate(iterable);
  charge(items.size());
  if (stmt.condition) {
    List kept;
    for (auto& item : items) {
      auto scope = std::make_shared<Frame>();
      scope->parent = frame;
      bind_targets(*scope, stmt.targets, item);
      charge(1);
      if (eval(*stmt.condition, scope).truthy()) kept.push_back(std::move(item));
    }
    items = std::move(kept);
  }
  if (items.empty()) return exec_body(stmt.else_body, frame, out);
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    charge(1);
    // The loop object is freed with the iteration unless the body kept a reference to it (declared before
    // the scope, so that the scope's reference is gone when it checks).
    LoopObject loop_object;
    auto scope = std::make_shared<Frame>();
    scope->parent = frame;
    bind_targets(*scope, stmt.targets, items[static_cast<std::size_t>(i)]);
    const DictPtr& loop = loop_object.dict;
    loop->set("index", Value(i + 1));
    loop->set("index0", Value(i));
    loop->set("revindex", Value(n - i));
    loop->set("revindex0", Value(n - i - 1));
    loop->set("first", Value(i == 0));
    loop->set("last", Value(i == n - 1));
    loop->set("length", Value(n));
    loop->set("depth", Value(1));
    loop->set("depth0", Value(0));
    if (i > 0) loop->set("previtem", items[static_cast<std::size_t>(i - 1)]);
    if (i + 1 < n) loop->set("nextitem", items[static_cast<std::size_t>(i + 1)]);
    auto cycle = std::make_shared<Callable>();
    cycle->name = "cycle";
    cycle->call = [i](Interpreter&, CallArgs& args) -> Value {
      if (args.positional.empty()) fail(ErrorKind::invalid_input, "no items for cycling given");
      return args.positional[static_cast<std::size_t>(i) % args.positional.size()];
    };
    loop->set("cycle", Value(CallablePtr(std::move(cycle))));
    scope->vars["loop"] = Value(loop);
    Flow flow = exec_body(stmt.body, scope, out);
    if (flow == Flow::break_loop) break;
  }
  return Flow::normal;
}

void Interpreter::exec_set(const Stmt& stmt, const std::shared_ptr<Frame>& frame, Value value) {
  if (!stmt.attribute.empty()) {
    const Value* target = frame->find(stmt.targets[0]);
    if (!target || !target->is_namespace()) {
      fail(ErrorKind::invalid_input, "cannot assign attribute on non-namespace object '{}'", stmt.targets[0]);
    }
    target->as_namespace()->attributes.set(stmt.attribute, std::move(value));
    return;
  }
  bind_targets(*frame, stmt.targets, value);
}

void Interpreter::define_macro(const Stmt& stmt, const std::shared_ptr<Frame>& frame) {
  auto macro = std::make_shared<Callable>();
  macro->name = stmt.text;
  std::weak_ptr<Frame> scope = frame;
  const Stmt* definition = &stmt;
  macro->call = [definition, scope](Interpreter& interp, CallArgs& args) -> Value {
    auto frame = scope.lock();
    return interp.call_macro(*definition, frame ? frame : interp.globals_, args);
  };
  frame->vars[stmt.text] = Value(CallablePtr(std::move(macro)));
}

Value Interpreter::call_macro(const Stmt& macro, const std::shared_ptr<Frame>& scope, CallArgs& args) {
  if (macro_depth_ >= limits_.max_macro_depth) {
    fail(ErrorKind::invalid_input, "macro calls nested deeper than {} levels", limits_.max_macro_depth);
  }
  auto frame = std::make_shared<Frame>();
  frame->parent = scope;
  List varargs;
  for (std::size_t i = 0; i < args.positional.size(); ++i) {
    if (i < macro.params.size()) {
      frame->vars[macro.params[i].name] = args.positional[i];
    } else {
      varargs.push_back(args.positional[i]);
    }
  }
  auto kwargs = make_dict();
  for (auto& [key, value] : args.keyword) {
    bool is_param = false;
    for (std::size_t i = 0; i < macro.params.size(); ++i) {
      if (macro.params[i].name != key) continue;
      if (i < args.positional.size()) {
        fail(ErrorKind::invalid_input, "macro '{}' got multiple values for argument '{}'", macro.text, key);
      }
      is_param = true;
      frame->vars[key] = value;
    }
    if (!is_param) kwargs->set(key, value);
  }
  for (const auto& param : macro.params) {
    if (frame->vars.count(param.name)) continue;
    frame->vars[param.name] =
        param.default_value ? eval(*param.default_value, frame) : undefined_named(param.name);
  }
  frame->vars["varargs"] = Value(make_list(std::move(varargs)));
  frame->vars["kwargs"] = Value(kwargs);
  ++macro_depth_;
  std::string out;
  try {
    exec_body(macro.body, frame, out);
  } catch (...) {
    --macro_depth_;
    throw;
  }
  --macro_depth_;
  return Value(std::move(out));
}

Value Interpreter::call(const Value& callee, CallArgs& args) {
  if (!callee.is_callable()) {
    if (callee.is_undefined()) fail_undefined(callee);
    fail(ErrorKind::invalid_input, "'{}' object is not callable", callee.type_name());
  }
  CallablePtr function = callee.as_callable();  // keep it alive while it runs
  return function->call(*this, args);
}

Value Interpreter::apply_filter(const std::string& name, const Value& input, CallArgs& args) {
  return jinja::apply_filter(*this, name, input, args);
}

bool Interpreter::apply_test(const std::string& name, const Value& input, CallArgs& args) {
  return jinja::apply_test(*this, name, input, args);
}

Value Interpreter::eval(const Expr& expr, const std::shared_ptr<Frame>& frame) {
  DepthGuard guard(*this, expr.location);
  return located(expr.location, [&] {
    charge(1);
    Value v = eval_node(expr, frame);
    if (v.is_string()) charge(v.as_string().size() / 64);
    return v;
  });
}

CallArgs Interpreter::eval_args(const Expr& expr, const std::shared_ptr<Frame>& frame, std::size_t first) {
  CallArgs args;
  for (std::size_t i = first; i < expr.args.size(); ++i)
    args.positional.push_back(eval(*expr.args[i], frame));
  for (const auto& [key, value] : expr.kwargs) args.keyword.emplace_back(key, eval(*value, frame));
  return args;
}

Value Interpreter::eval_node(const Expr& expr, const std::shared_ptr<Frame>& frame) {
  switch (expr.kind) {
    case ExprKind::literal:
      return expr.value;
    case ExprKind::variable: {
      if (const Value* v = frame->find(expr.name)) return *v;
      return undefined_named(expr.name);
    }
    case ExprKind::list: {
      List items;
      items.reserve(expr.args.size());
      for (const auto& item : expr.args) items.push_back(eval(*item, frame));
      return Value(make_list(std::move(items)));
    }
    case ExprKind::dict: {
      auto dict = make_dict();
      for (std::size_t i = 0; i + 1 < expr.args.size(); i += 2) {
        Value key = eval(*expr.args[i], frame);
        if (!key.is_string()) {
          fail(ErrorKind::unsupported, "dict keys must be strings, not {}", key.type_name());
        }
        dict->set(key.as_string(), eval(*expr.args[i + 1], frame));
      }
      return Value(dict);
    }
    case ExprKind::attribute:
      return get_attribute(eval(*expr.args[0], frame), expr.name);
    case ExprKind::subscript: {
      Value object = eval(*expr.args[0], frame);
      return get_item(object, eval(*expr.args[1], frame));
    }
    case ExprKind::slice: {
      Value object = eval(*expr.args[0], frame);
      Value parts[3];
      for (int i = 0; i < 3; ++i) {
        if (expr.args[static_cast<std::size_t>(i) + 1])
          parts[i] = eval(*expr.args[static_cast<std::size_t>(i) + 1], frame);
      }
      if (object.is_list()) {
        const List& items = *object.as_list();
        List out;
        for (std::size_t i : slice_indices(parts[0], parts[1], parts[2], items.size()))
          out.push_back(items[i]);
        charge(out.size());
        return Value(make_list(std::move(out)));
      }
      if (object.is_string()) {
        auto chars = utf8_characters(object.as_string());
        std::string out;
        for (std::size_t i : slice_indices(parts[0], parts[1], parts[2], chars.size())) out += chars[i];
        return Value(std::move(out));
      }
      if (object.is_undefined()) fail_undefined(object);
      fail(ErrorKind::invalid_input, "'{}' object is not subscriptable", object.type_name());
    }
    case ExprKind::call:
      return eval_call(expr, frame);
    case ExprKind::filter: {
      Value input = expr.args[0]->kind == ExprKind::block_value ? (block_value_ ? *block_value_ : Value())
                                                                : eval(*expr.args[0], frame);
      CallArgs args = eval_args(expr, frame, 1);
      Value result = apply_filter(expr.name, input, args);
      if (result.is_list()) charge(result.as_list()->size());
      return result;
    }
    case ExprKind::test: {
      Value input = eval(*expr.args[0], frame);
      CallArgs args = eval_args(expr, frame, 1);
      bool result = apply_test(expr.name, input, args);
      return Value(expr.negated ? !result : result);
    }
    case ExprKind::unary: {
      Value v = eval(*expr.args[0], frame);
      if (expr.name == "not") return Value(!v.truthy());
      if (expr.name == "-") return negate(v);
      if (v.is_undefined()) fail_undefined(v);
      if (!v.is_number() && !v.is_bool()) {
        fail(ErrorKind::invalid_input, "bad operand type for unary +: '{}'", v.type_name());
      }
      return v;
    }
    case ExprKind::binary:
      return eval_binary(expr, frame);
    case ExprKind::conditional:
      if (eval(*expr.args[1], frame).truthy()) return eval(*expr.args[0], frame);
      return expr.args[2] ? eval(*expr.args[2], frame) : Value();
    case ExprKind::block_value:
      return block_value_ ? *block_value_ : Value();
  }
  return Value();
}

Value Interpreter::eval_binary(const Expr& expr, const std::shared_ptr<Frame>& frame) {
  const std::string& op = expr.name;
  Value left = eval(*expr.args[0], frame);
  if (op == "and") return left.truthy() ? eval(*expr.args[1], frame) : left;
  if (op == "or") return left.truthy() ? left : eval(*expr.args[1], frame);
  Value right = eval(*expr.args[1], frame);
  if (op == "==") return Value(equals(left, right));
  if (op == "!=") return Value(!equals(left, right));
  if (op == "<") return Value(less(left, right));
  if (op == ">") return Value(less(right, left));
  if (op == "<=") return Value(!less(right, left));
  if (op == ">=") return Value(!less(left, right));
  if (op == "not in") return Value(!contains(right, left));
  return binary_operator(*this, op, left, right);
}

Value Interpreter::eval_call(const Expr& expr, const std::shared_ptr<Frame>& frame) {
  const Expr& callee = *expr.args[0];
  Value result;
  if (callee.kind == ExprKind::attribute) {
    Value object = eval(*callee.args[0], frame);
    Value member = get_attribute(object, callee.name);
    CallArgs args = eval_args(expr, frame, 1);
    if (member.is_callable()) {
      result = call(member, args);
    } else if (std::optional<Value> r = call_method(*this, object, callee.name, args)) {
      result = std::move(*r);
    } else {
      // jinja2 calls the undefined attribute: "'None' has no attribute 'strip'".
      if (member.is_undefined()) fail_undefined(member);
      fail(ErrorKind::invalid_input, "'{}' object is not callable", member.type_name());
    }
  } else {
    Value function = eval(callee, frame);
    CallArgs args = eval_args(expr, frame, 1);
    result = call(function, args);
  }
  if (result.is_list()) charge(result.as_list()->size());
  return result;
}

}  // namespace chunkwise::text::jinja
