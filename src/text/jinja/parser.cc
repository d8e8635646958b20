#include "text/jinja/parser.h"

#include <algorithm>
#include <initializer_list>

namespace chunkwise::text::jinja {
namespace {

const char* describe(const Token& t) {
  switch (t.kind) {
    case TokenKind::text:
      return "text";
    case TokenKind::expr_open:
      return "'{{'";
    case TokenKind::expr_close:
      return "'}}'";
    case TokenKind::stmt_open:
      return "'{%'";
    case TokenKind::stmt_close:
      return "'%}'";
    case TokenKind::name:
      return "name";
    case TokenKind::string:
      return "string";
    case TokenKind::integer:
    case TokenKind::floating:
      return "number";
    case TokenKind::op:
      return "operator";
    case TokenKind::end:
      return "end of template";
  }
  return "token";
}

class Parser {
 public:
  explicit Parser(const std::vector<Token>& tokens) : tokens_(tokens) {}

  Program run() {
    Program program;
    program.body = parse_body({});
    if (peek().kind != TokenKind::end) {
      fail_at(peek().location, "unexpected '{{% {} %}}'", peek(1).text);
    }
    return program;
  }

 private:
  // ---- token access
  const Token& peek(std::size_t ahead = 0) const {
    std::size_t i = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[i];
  }
  const Token& next() {
    const Token& t = peek();
    if (pos_ < tokens_.size() - 1) ++pos_;
    return t;
  }
  bool at_op(std::string_view op) const { return peek().kind == TokenKind::op && peek().text == op; }
  bool at_name(std::string_view name) const { return peek().kind == TokenKind::name && peek().text == name; }
  bool accept_op(std::string_view op) {
    if (!at_op(op)) return false;
    next();
    return true;
  }
  bool accept_name(std::string_view name) {
    if (!at_name(name)) return false;
    next();
    return true;
  }
  void expect_op(std::string_view op) {
    if (!accept_op(op)) unexpected(fmt::format("'{}'", op));
  }
  void expect_name(std::string_view name) {
    if (!accept_name(name)) unexpected(fmt::format("'{}'", name));
  }
  std::string expect_identifier() {
    if (peek().kind != TokenKind::name) unexpected("a name");
    return next().text;
  }
  void expect_stmt_close() {
    if (peek().kind != TokenKind::stmt_close) unexpected("'%}'");
    next();
  }
  [[noreturn]] void unexpected(const std::string& wanted) const {
    const Token& t = peek();
    if (t.kind == TokenKind::name || t.kind == TokenKind::op || t.kind == TokenKind::integer ||
        t.kind == TokenKind::floating) {
      fail_at(t.location, "expected {}, found '{}'", wanted, t.text);
    }
    fail_at(t.location, "expected {}, found {}", wanted, describe(t));
  }

  struct DepthGuard {
    explicit DepthGuard(Parser& p) : parser(p) {
      if (++parser.depth_ > kMaxParseDepth) {
        fail_at(parser.peek().location, "template nested deeper than {} levels", kMaxParseDepth);
      }
    }
    ~DepthGuard() { --parser.depth_; }
    Parser& parser;
  };

  // ---- expression nodes
  ExprPtr node(ExprKind kind, Location where, std::vector<ExprPtr> args = {}, std::string name = {}) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->location = where;
    e->name = std::move(name);
    e->args = std::move(args);
    update_depth(*e);
    return e;
  }
  static void update_depth(Expr& e) {
    int depth = 0;
    for (const auto& a : e.args) {
      if (a) depth = std::max(depth, a->depth);
    }
    for (const auto& [k, v] : e.kwargs) depth = std::max(depth, v->depth);
    e.depth = depth + 1;
    if (e.depth > kMaxParseDepth)
      fail_at(e.location, "expression nested deeper than {} levels", kMaxParseDepth);
  }
  static std::vector<ExprPtr> args_of(ExprPtr a, ExprPtr b = nullptr, ExprPtr c = nullptr) {
    std::vector<ExprPtr> v;
    v.push_back(std::move(a));
    if (b) v.push_back(std::move(b));
    if (c) v.push_back(std::move(c));
    return v;
  }

  ExprPtr parse_expression(bool allow_conditional = true) {
    DepthGuard guard(*this);
    ExprPtr e = parse_or();
    while (allow_conditional && at_name("if")) {
      Location where = next().location;
      ExprPtr condition = parse_or();
      ExprPtr otherwise = accept_name("else") ? parse_expression() : nullptr;
      std::vector<ExprPtr> args;
      args.push_back(std::move(e));
      args.push_back(std::move(condition));
      args.push_back(std::move(otherwise));
      e = node(ExprKind::conditional, where, std::move(args));
    }
    return e;
  }

  ExprPtr parse_or() {
    ExprPtr e = parse_and();
    while (at_name("or")) {
      Location where = next().location;
      e = node(ExprKind::binary, where, args_of(std::move(e), parse_and()), "or");
    }
    return e;
  }

  ExprPtr parse_and() {
    ExprPtr e = parse_not();
    while (at_name("and")) {
      Location where = next().location;
      e = node(ExprKind::binary, where, args_of(std::move(e), parse_not()), "and");
    }
    return e;
  }

  ExprPtr parse_not() {
    if (at_name("not")) {
      DepthGuard guard(*this);
      Location where = next().location;
      return node(ExprKind::unary, where, args_of(parse_not()), "not");
    }
    return parse_compare();
  }

  ExprPtr parse_compare() {
    ExprPtr e = parse_math1();
    while (true) {
      const Token& t = peek();
      std::string op;
      if (t.kind == TokenKind::op && (t.text == "==" || t.text == "!=" || t.text == "<" || t.text == "<=" ||
                                      t.text == ">" || t.text == ">=")) {
        op = t.text;
        next();
      } else if (at_name("in")) {
        op = "in";
        next();
      } else if (at_name("not") && peek(1).kind == TokenKind::name && peek(1).text == "in") {
        op = "not in";
        next();
        next();
      } else {
        return e;
      }
      e = node(ExprKind::binary, t.location, args_of(std::move(e), parse_math1()), op);
    }
  }

  ExprPtr parse_binary_level(std::initializer_list<std::string_view> ops, ExprPtr (Parser::*operand)()) {
    ExprPtr e = (this->*operand)();
    while (peek().kind == TokenKind::op && std::find(ops.begin(), ops.end(), peek().text) != ops.end()) {
      const Token& t = next();
      e = node(ExprKind::binary, t.location, args_of(std::move(e), (this->*operand)()), t.text);
    }
    return e;
  }
  ExprPtr parse_math1() { return parse_binary_level({"+", "-"}, &Parser::parse_concat); }
  ExprPtr parse_concat() { return parse_binary_level({"~"}, &Parser::parse_math2); }
  ExprPtr parse_math2() { return parse_binary_level({"*", "/", "//", "%"}, &Parser::parse_pow); }
  ExprPtr parse_pow() { return parse_binary_level({"**"}, &Parser::parse_unary_filtered); }
  ExprPtr parse_unary_filtered() { return parse_unary(true); }

  ExprPtr parse_unary(bool with_filter) {
    DepthGuard guard(*this);
    ExprPtr e;
    if (at_op("-") || at_op("+")) {
      const Token& t = next();
      e = node(ExprKind::unary, t.location, args_of(parse_unary(false)), t.text);
    } else {
      e = parse_postfix(parse_primary());
    }
    if (with_filter) e = parse_filters_and_tests(std::move(e));
    return e;
  }

  ExprPtr parse_primary() {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::name: {
        next();
        if (t.text == "true" || t.text == "True") return literal(Value(true), t.location);
        if (t.text == "false" || t.text == "False") return literal(Value(false), t.location);
        if (t.text == "none" || t.text == "None") return literal(Value(nullptr), t.location);
        return node(ExprKind::variable, t.location, {}, t.text);
      }
      case TokenKind::string: {
        std::string s = next().text;
        while (peek().kind == TokenKind::string) s += next().text;  // adjacent literals concatenate
        return literal(Value(std::move(s)), t.location);
      }
      case TokenKind::integer:
        next();
        return literal(Value(t.int_value), t.location);
      case TokenKind::floating:
        next();
        return literal(Value(t.float_value), t.location);
      case TokenKind::op:
        if (t.text == "(") {
          next();
          if (accept_op(")")) return node(ExprKind::list, t.location);  // empty tuple
          ExprPtr first = parse_expression();
          if (!at_op(",")) {
            expect_op(")");
            return first;
          }
          std::vector<ExprPtr> items;
          items.push_back(std::move(first));
          while (accept_op(",")) {
            if (at_op(")")) break;
            items.push_back(parse_expression());
          }
          expect_op(")");
          return node(ExprKind::list, t.location, std::move(items));
        }
        if (t.text == "[") {
          next();
          std::vector<ExprPtr> items;
          while (!at_op("]")) {
            items.push_back(parse_expression());
            if (!accept_op(",")) break;
          }
          expect_op("]");
          return node(ExprKind::list, t.location, std::move(items));
        }
        if (t.text == "{") {
          next();
          std::vector<ExprPtr> items;
          while (!at_op("}")) {
            items.push_back(parse_expression());
            expect_op(":");
            items.push_back(parse_expression());
            if (!accept_op(",")) break;
          }
          expect_op("}");
          return node(ExprKind::dict, t.location, std::move(items));
        }
        break;
      default:
        break;
    }
    unexpected("an expression");
  }

  ExprPtr literal(Value v, Location where) {
    ExprPtr e = node(ExprKind::literal, where);
    e->value = std::move(v);
    return e;
  }

  ExprPtr parse_postfix(ExprPtr e) {
    while (true) {
      const Token& t = peek();
      if (accept_op(".")) {
        const Token& name = peek();
        if (name.kind == TokenKind::integer) {  // foo.0 is foo[0]
          next();
          e = node(ExprKind::subscript, t.location,
                   args_of(std::move(e), literal(Value(name.int_value), t.location)));
        } else {
          e = node(ExprKind::attribute, t.location, args_of(std::move(e)), expect_identifier());
        }
      } else if (accept_op("[")) {
        e = parse_subscript(std::move(e), t.location);
      } else if (at_op("(")) {
        e = parse_call(std::move(e), ExprKind::call, "");
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_subscript(ExprPtr target, Location where) {
    ExprPtr parts[3];
    bool is_slice = false;
    if (!at_op(":")) parts[0] = parse_expression();
    if (accept_op(":")) {
      is_slice = true;
      if (!at_op(":") && !at_op("]")) parts[1] = parse_expression();
      if (accept_op(":") && !at_op("]")) parts[2] = parse_expression();
    }
    expect_op("]");
    if (!is_slice) {
      if (!parts[0]) unexpected("an index");
      return node(ExprKind::subscript, where, args_of(std::move(target), std::move(parts[0])));
    }
    std::vector<ExprPtr> args;
    args.push_back(std::move(target));
    for (auto& p : parts) args.push_back(std::move(p));
    return node(ExprKind::slice, where, std::move(args));
  }

  // Parses `(args, kw=value)` after `head` into a node of `kind` whose args[0] is head.
  ExprPtr parse_call(ExprPtr head, ExprKind kind, std::string name) {
    auto e = std::make_unique<Expr>();
    e->kind = kind;
    e->location = peek().location;
    e->name = std::move(name);
    e->args.push_back(std::move(head));
    expect_op("(");
    while (!at_op(")")) {
      if (peek().kind == TokenKind::name && peek(1).kind == TokenKind::op && peek(1).text == "=") {
        std::string key = next().text;
        next();
        e->kwargs.emplace_back(std::move(key), parse_expression());
      } else {
        if (!e->kwargs.empty()) unexpected("a keyword argument");
        e->args.push_back(parse_expression());
      }
      if (!accept_op(",")) break;
    }
    expect_op(")");
    update_depth(*e);
    return e;
  }

  ExprPtr parse_filters_and_tests(ExprPtr e) {
    while (true) {
      if (at_op("|")) {
        Location where = next().location;
        e = parse_filter(std::move(e), where);
      } else if (at_name("is")) {
        Location where = next().location;
        bool negated = accept_name("not");
        std::string name = expect_identifier();
        ExprPtr test;
        if (at_op("(")) {
          test = parse_call(std::move(e), ExprKind::test, name);
        } else {
          std::vector<ExprPtr> args;
          args.push_back(std::move(e));
          if (starts_test_argument()) args.push_back(parse_unary(false));
          test = node(ExprKind::test, where, std::move(args), name);
        }
        test->location = where;
        test->negated = negated;
        e = std::move(test);
      } else {
        return e;
      }
    }
  }

  ExprPtr parse_filter(ExprPtr operand, Location where) {
    std::string name = expect_identifier();
    while (accept_op(".")) name += "." + expect_identifier();
    ExprPtr f = at_op("(") ? parse_call(std::move(operand), ExprKind::filter, name)
                           : node(ExprKind::filter, where, args_of(std::move(operand)), name);
    f->location = where;
    return f;
  }

  // `x is divisibleby 3`: a test takes one argument without parentheses when one follows.
  bool starts_test_argument() const {
    const Token& t = peek();
    switch (t.kind) {
      case TokenKind::string:
      case TokenKind::integer:
      case TokenKind::floating:
        return true;
      case TokenKind::name:
        return t.text != "and" && t.text != "or" && t.text != "else" && t.text != "if" && t.text != "is" &&
               t.text != "in" && t.text != "not";
      case TokenKind::op:
        return t.text == "[" || t.text == "{" || t.text == "-";
      default:
        return false;
    }
  }

  // ---- statements
  // Parses statements until a `{% name %}` tag with name in `ends` (left unconsumed) or the end.
  Body parse_body(std::initializer_list<std::string_view> ends) {
    DepthGuard guard(*this);
    Body body;
    while (true) {
      const Token& t = peek();
      if (t.kind == TokenKind::end) {
        if (ends.size() != 0)
          fail_at(t.location, "unexpected end of template, expected '{{% {} %}}'", *(ends.end() - 1));
        return body;
      }
      if (t.kind == TokenKind::text) {
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::text;
        s->location = t.location;
        s->text = next().text;
        body.push_back(std::move(s));
      } else if (t.kind == TokenKind::expr_open) {
        next();
        auto s = std::make_unique<Stmt>();
        s->kind = StmtKind::output;
        s->location = t.location;
        s->expr = parse_expression();
        if (peek().kind != TokenKind::expr_close) unexpected("'}}'");
        next();
        body.push_back(std::move(s));
      } else if (t.kind == TokenKind::stmt_open) {
        const Token& keyword = peek(1);
        if (keyword.kind != TokenKind::name) {
          next();
          unexpected("a statement name");
        }
        if (std::find(ends.begin(), ends.end(), keyword.text) != ends.end()) return body;
        next();
        next();
        if (auto s = parse_statement(keyword)) body.push_back(std::move(s));
      } else {
        unexpected("text or a tag");
      }
    }
  }

  // Consumes `{% name %}`; the opening `{%` is at the current token.
  void expect_end_tag(std::string_view name) {
    if (peek().kind != TokenKind::stmt_open) unexpected("'{%'");
    next();
    expect_name(name);
    expect_stmt_close();
  }

  StmtPtr make_stmt(StmtKind kind, Location where) {
    auto s = std::make_unique<Stmt>();
    s->kind = kind;
    s->location = where;
    return s;
  }

  StmtPtr parse_statement(const Token& keyword) {
    const std::string& k = keyword.text;
    Location where = keyword.location;
    if (k == "if") return parse_if(where);
    if (k == "for") return parse_for(where);
    if (k == "set") return parse_set(where);
    if (k == "macro") return parse_macro(where);
    if (k == "filter") {
      auto s = make_stmt(StmtKind::filter, where);
      s->expr = parse_filter(node(ExprKind::block_value, where), where);
      while (at_op("|")) s->expr = parse_filter(std::move(s->expr), next().location);
      expect_stmt_close();
      s->body = parse_body({"endfilter"});
      expect_end_tag("endfilter");
      return s;
    }
    if (k == "do") {
      auto s = make_stmt(StmtKind::do_, where);
      s->expr = parse_expression();
      expect_stmt_close();
      return s;
    }
    if (k == "break" || k == "continue") {
      if (loop_depth_ == 0) fail_at(where, "'{}' outside of a loop", k);
      expect_stmt_close();
      return make_stmt(k == "break" ? StmtKind::break_ : StmtKind::continue_, where);
    }
    if (k == "generation" || k == "endgeneration") {  // transformers' assistant-mask markers render nothing
      expect_stmt_close();
      return nullptr;
    }
    fail_at(where, "unknown or unsupported statement '{}'", k);
  }

  StmtPtr parse_if(Location where) {
    auto s = make_stmt(StmtKind::if_, where);
    ExprPtr condition = parse_expression();
    expect_stmt_close();
    while (true) {
      Body body = parse_body({"elif", "else", "endif"});
      s->branches.emplace_back(std::move(condition), std::move(body));
      next();  // {%
      const Token& k = next();
      if (k.text == "elif") {
        condition = parse_expression();
        expect_stmt_close();
        continue;
      }
      if (k.text == "else") {
        expect_stmt_close();
        s->else_body = parse_body({"endif"});
        expect_end_tag("endif");
      } else {
        expect_stmt_close();
      }
      return s;
    }
  }

  std::vector<std::string> parse_targets() {
    std::vector<std::string> targets;
    bool parens = accept_op("(");
    targets.push_back(expect_identifier());
    while (accept_op(",")) {
      if (parens && at_op(")")) break;
      targets.push_back(expect_identifier());
    }
    if (parens) expect_op(")");
    return targets;
  }

  StmtPtr parse_for(Location where) {
    auto s = make_stmt(StmtKind::for_, where);
    s->targets = parse_targets();
    expect_name("in");
    s->expr = parse_expression(false);
    if (accept_name("if")) s->condition = parse_expression(false);
    if (at_name("recursive")) fail_at(peek().location, "recursive loops are not supported");
    expect_stmt_close();
    ++loop_depth_;
    s->body = parse_body({"else", "endfor"});
    --loop_depth_;
    next();
    if (next().text == "else") {
      expect_stmt_close();
      s->else_body = parse_body({"endfor"});
      expect_end_tag("endfor");
    } else {
      expect_stmt_close();
    }
    return s;
  }

  StmtPtr parse_set(Location where) {
    std::vector<std::string> targets = parse_targets();
    if (targets.size() == 1 && accept_op(".")) {
      auto s = make_stmt(StmtKind::set, where);
      s->targets = std::move(targets);
      s->attribute = expect_identifier();
      expect_op("=");
      s->expr = parse_tuple_expression();
      expect_stmt_close();
      return s;
    }
    if (accept_op("=")) {
      auto s = make_stmt(StmtKind::set, where);
      s->targets = std::move(targets);
      s->expr = parse_tuple_expression();
      expect_stmt_close();
      return s;
    }
    if (targets.size() != 1) unexpected("'='");
    auto s = make_stmt(StmtKind::set_block, where);
    s->targets = std::move(targets);
    while (at_op("|")) {
      Location f = next().location;
      s->expr = parse_filter(s->expr ? std::move(s->expr) : node(ExprKind::block_value, f), f);
    }
    expect_stmt_close();
    s->body = parse_body({"endset"});
    expect_end_tag("endset");
    return s;
  }

  // `a, b` without brackets is a tuple on the right of `set`.
  ExprPtr parse_tuple_expression() {
    Location where = peek().location;
    ExprPtr first = parse_expression();
    if (!at_op(",")) return first;
    std::vector<ExprPtr> items;
    items.push_back(std::move(first));
    while (accept_op(",")) {
      if (peek().kind == TokenKind::stmt_close) break;
      items.push_back(parse_expression());
    }
    return node(ExprKind::list, where, std::move(items));
  }

  StmtPtr parse_macro(Location where) {
    auto s = make_stmt(StmtKind::macro, where);
    s->text = expect_identifier();
    expect_op("(");
    while (!at_op(")")) {
      Param p;
      p.name = expect_identifier();
      if (accept_op("=")) p.default_value = parse_expression();
      s->params.push_back(std::move(p));
      if (!accept_op(",")) break;
    }
    expect_op(")");
    expect_stmt_close();
    int saved_loops = loop_depth_;
    loop_depth_ = 0;
    s->body = parse_body({"endmacro"});
    loop_depth_ = saved_loops;
    expect_end_tag("endmacro");
    return s;
  }

  const std::vector<Token>& tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
  int loop_depth_ = 0;
};

}  // namespace

Program parse(const std::vector<Token>& tokens) {
  return Parser(tokens).run();
}

}  // namespace chunkwise::text::jinja
