// Renders a parsed template. Every render is bounded: total work (steps), output size, string size, nesting
// of evaluation and macro calls. Exceeding a bound is an invalid_input error, never a hang or a crash.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>

#include "text/jinja/ast.h"
#include "text/jinja/call_args.h"
#include "text/jinja/value.h"
#include "text/jinja/work_meter.h"

namespace chunkwise::text::jinja {

struct RenderLimits {
  std::size_t max_output_bytes = 64u << 20;
  std::size_t max_string_bytes = 64u << 20;  // any single string value
  std::size_t max_list_items = 1u << 20;     // any single list (range(), repetition)
  std::uint64_t max_steps = 10'000'000;      // evaluations, loop iterations, copied items and bytes
  int max_eval_depth = 400;                  // nested evaluation, including macro bodies
  int max_macro_depth = 64;                  // nested macro calls
};

// Variables of one scope; loops and macro calls open a child scope.
struct Frame {
  std::shared_ptr<Frame> parent;
  std::unordered_map<std::string, Value> vars;

  const Value* find(const std::string& name) const;
};

class Interpreter {
 public:
  // The interpreter's work meter is the current one of this thread while the interpreter exists.
  explicit Interpreter(const RenderLimits& limits) : limits_(limits), meter_(limits.max_steps) {}

  // Renders `program` with `globals` as the outermost scope.
  std::string render(const Program& program, std::shared_ptr<Frame> globals);

  // Counts `steps` units of work against the budget.
  void charge(std::uint64_t steps);
  // Throws if a string of `size` bytes or a list of `items` items would exceed the limits.
  void check_string_size(std::size_t size) const;
  void check_list_size(std::size_t items) const;
  const RenderLimits& limits() const { return limits_; }

  // Calls a function value (builtin or macro).
  Value call(const Value& callee, CallArgs& args);
  // Applies filter `name` or test `name`; used by filters such as map and select.
  Value apply_filter(const std::string& name, const Value& input, CallArgs& args);
  bool apply_test(const std::string& name, const Value& input, CallArgs& args);

 private:
  enum class Flow { normal, break_loop, continue_loop };

  Flow exec_body(const Body& body, const std::shared_ptr<Frame>& frame, std::string& out);
  Flow exec(const Stmt& stmt, const std::shared_ptr<Frame>& frame, std::string& out);
  Flow exec_for(const Stmt& stmt, const std::shared_ptr<Frame>& frame, std::string& out);
  void exec_set(const Stmt& stmt, const std::shared_ptr<Frame>& frame, Value value);
  void define_macro(const Stmt& stmt, const std::shared_ptr<Frame>& frame);
  Value call_macro(const Stmt& macro, const std::shared_ptr<Frame>& scope, CallArgs& args);

  Value eval(const Expr& expr, const std::shared_ptr<Frame>& frame);
  Value eval_node(const Expr& expr, const std::shared_ptr<Frame>& frame);
  Value eval_binary(const Expr& expr, const std::shared_ptr<Frame>& frame);
  Value eval_call(const Expr& expr, const std::shared_ptr<Frame>& frame);
  CallArgs eval_args(const Expr& expr, const std::shared_ptr<Frame>& frame, std::size_t first);

  void emit(std::string& out, std::string_view text);

  struct DepthGuard;

  RenderLimits limits_;
  WorkMeter meter_;
  int depth_ = 0;
  int macro_depth_ = 0;
  std::shared_ptr<Frame> globals_;
  const Value* block_value_ = nullptr;  // body of the innermost filter block while its filters run
};

}  // namespace chunkwise::text::jinja
