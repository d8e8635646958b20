// The syntax tree of a parsed template: expressions and statements.
#pragma once

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "text/jinja/location.h"
#include "text/jinja/value.h"

namespace chunkwise::text::jinja {

enum class ExprKind {
  literal,      // value
  variable,     // name
  list,         // [args...]; also tuples
  dict,         // {args[0]: args[1], args[2]: args[3], ...}
  attribute,    // args[0].name
  subscript,    // args[0][args[1]]
  slice,        // args[0][args[1]:args[2]:args[3]]; absent parts are nullptr
  call,         // args[0](args[1..], kwargs)
  filter,       // args[0] | name(args[1..], kwargs); args[0] is a block_value node in filter blocks
  test,         // args[0] is [not] name(args[1..]); `negated` for `is not`
  unary,        // name in {"-", "+", "not"} applied to args[0]
  binary,       // args[0] name args[1]; name is an operator, "and", "or", "in", "not in"
  conditional,  // args[0] if args[1] else args[2]; args[2] may be nullptr
  block_value,  // the rendered body of a `{% filter %}` or `{% set x | f %}` block
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind;
  Location location;
  Value value;       // literal
  std::string name;  // variable, attribute, filter, test or operator
  std::vector<ExprPtr> args;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
  bool negated = false;
  int depth = 1;  // height of this subtree, bounded by the parser
};

enum class StmtKind {
  text,       // text
  output,     // {{ expr }}
  if_,        // the first branch whose condition holds, else else_body
  for_,       // for targets in expr [if condition]: body else else_body
  set,        // targets (or object.attribute) = expr
  set_block,  // {% set targets[0] [| filters] %}body{% endset %}; expr is the filter chain or nullptr
  macro,      // {% macro name(params) %}body{% endmacro %}
  filter,     // {% filter f %}body{% endfilter %}; expr is the filter chain on a block_value
  do_,        // {% do expr %}
  break_,
  continue_,
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Param {
  std::string name;
  ExprPtr default_value;  // nullptr when required
};

struct Stmt {
  StmtKind kind;
  Location location;
  std::string text;                  // text, macro name
  ExprPtr expr;                      // output, condition, iterable, assigned value, filter chain, do
  ExprPtr condition;                 // for ... if condition
  std::vector<std::string> targets;  // assigned or loop variable names
  std::string attribute;             // set targets[0].attribute = expr (namespace assignment) when not empty
  std::vector<Param> params;         // macro
  std::vector<std::pair<ExprPtr, Body>> branches;  // if / elif
  Body body;
  Body else_body;
};

struct Program {
  Body body;
};

}  // namespace chunkwise::text::jinja
