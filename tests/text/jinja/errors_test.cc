// Errors carry the template line and column; hostile templates hit limits instead of hanging or crashing.
#include <gtest/gtest.h>

#include <string>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

void expect_error(const std::string& source, const std::string& fragment,
                  const nlohmann::ordered_json& context = {}, const RenderLimits& limits = RenderLimits{}) {
  std::string message =
      render_error(source, context.is_null() ? nlohmann::ordered_json::object() : context, limits);
  EXPECT_NE(message, "") << "no error for: " << source.substr(0, 200);
  EXPECT_NE(message.find(fragment), std::string::npos) << "message: " << message;
}

TEST(JinjaErrors, SyntaxErrorsNameLineAndColumn) {
  expect_error("line one\n{% if x %}\n  {{ 1 + }}\n{% endif %}",
               "template line 3, column 10: expected an expression");
  expect_error("{{ x", "template line 1, column 1: unterminated tag");
  expect_error("ok\n{% for x in y %}never closed", "line 2");
  expect_error("{% for x in y %}never closed", "expected '{% endfor %}'");
  expect_error("{% frobnicate %}", "unknown or unsupported statement 'frobnicate'");
  expect_error("{% endif %}", "unknown or unsupported statement 'endif'");
  expect_error("{{ 'unterminated }}", "unterminated string literal");
  expect_error("{{ 1 ! 2 }}", "unexpected character '!'");
  expect_error("{% break %}", "'break' outside of a loop");
  expect_error("{# never closed", "unterminated comment");
  expect_error("{{ 99999999999999999999 }}", "integer literal out of range");
  expect_error("{% include 'other.jinja' %}", "unsupported statement 'include'");
}

TEST(JinjaErrors, ErrorsAreInvalidInput) {
  try {
    Template("{{ }}");
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
  }
}

TEST(JinjaErrors, RuntimeErrorsNameTheExpression) {
  expect_error("a\n\n   {{ 1 / 0 }}", "template line 3, column 9: division by zero");
  expect_error("{{ x + 1 }}", "'x' is undefined");
  expect_error("{{ 'a' + 1 }}", "can only concatenate str (not \"int\") to str");
  expect_error("{{ [1] + none }}", "can only concatenate list (not \"NoneType\") to list");
  expect_error("{{ 1 + 'a' }}", "unsupported operand type(s) for +: 'int' and 'str'");
  expect_error("{{ 2 ** 64 }}", "integer overflow");
  expect_error("{{ [1] < 'a' }}", "'<' not supported");
  expect_error("{{ nope() }}", "'nope' is undefined");
  expect_error("{{ 1 }}{% set a, b = [1] %}", "cannot unpack 1 values into 2 variables");
  expect_error("{% set x = 1 %}{% set x.y = 2 %}", "non-namespace");
}

TEST(JinjaErrors, RaiseExceptionCarriesTheMessage) {
  const char* source =
      "{% for m in messages %}\n{% if m.role == 'bad' %}\n  {{ raise_exception('Bad role: ' ~ m.role) }}\n"
      "{% endif %}{% endfor %}";
  nlohmann::ordered_json ctx = {{"messages", {{{"role", "bad"}}}}};
  try {
    Template(source).render(ctx);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::invalid_input);
    EXPECT_NE(std::string(e.what()).find("template line 3, column"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("Bad role: bad"), std::string::npos) << e.what();
  }
}

// The size check rejects these before any iteration (a hang would hit ctest's per-test timeout).
TEST(JinjaLimits, HugeRangeIsAnErrorNotAHang) {
  expect_error("{% for i in range(10**12) %}x{% endfor %}", "range() of");
  expect_error("{{ range(-9223372036854775807, 9223372036854775807) | length }}", "range() of");
}

TEST(JinjaLimits, StringAndListRepetitionAreBounded) {
  expect_error("{{ 'a' * 10**12 }}", "string repetition result exceeds");
  expect_error("{{ [1, 2] * 10**12 }}", "list repetition result exceeds");
  expect_error(
      "{% set ns = namespace(s='xy') %}{% for i in range(100) %}{% set ns.s = ns.s ~ ns.s %}{% endfor %}",
      "exceeds the limit");
  expect_error("{{ ('ab' * 1000) | replace('a', 'a' * 100000) }}", "exceeds");
}

TEST(JinjaLimits, WorkIsBounded) {
  RenderLimits limits;
  limits.max_steps = 100'000;
  expect_error("{% for i in range(1000) %}{% for j in range(1000) %}{% endfor %}{% endfor %}", "work limit",
               {}, limits);
}

TEST(JinjaLimits, OutputIsBounded) {
  RenderLimits limits;
  limits.max_output_bytes = 100;
  expect_error("{% for i in range(1000) %}0123456789{% endfor %}", "template output exceeds", {}, limits);
  EXPECT_EQ(
      render_error("{% for i in range(5) %}0123456789{% endfor %}", nlohmann::ordered_json::object(), limits),
      "");
}

TEST(JinjaLimits, RecursionIsBounded) {
  expect_error("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", "nested deeper than");
  expect_error("{{ " + std::string(5000, '(') + "1" + std::string(5000, ')') + " }}", "nested deeper than");
  expect_error("{{ " + std::string(5000, '[') + std::string(5000, ']') + " }}", "nested deeper than");
  expect_error("{{ " + std::string(5000, '-') + "1 }}", "nested deeper than");
  std::string ifs;
  for (int i = 0; i < 5000; ++i) ifs += "{% if true %}";
  expect_error(ifs, "nested deeper than");
  std::string filters = "{{ 'x'";
  for (int i = 0; i < 5000; ++i) filters += " | trim";
  expect_error(filters + " }}", "nested deeper than");
  std::string sums = "{{ 1";
  for (int i = 0; i < 5000; ++i) sums += " + 1";
  expect_error(sums + " }}", "nested deeper than");
}

TEST(JinjaLimits, SelfReferencingValuesDoNotCrash) {
  expect_error("{% set xs = [] %}{% do xs.append(xs) %}{{ xs }}", "nested deeper than");
  expect_error("{% set ns = namespace() %}{% set ns.me = ns %}{{ ns | tojson }}", "nested deeper than");
  EXPECT_EQ(render("{% set xs = [] %}{% do xs.append(xs) %}{{ xs | length }}{{ xs[0][0][0] | length }}"),
            "11");
}

TEST(JinjaLimits, DeepChainsAreFreedWithoutRecursion) {
  // 100k nested lists built by mutation: dropping them at the end of the render must not overflow the stack.
  EXPECT_EQ(
      render("{% set ns = namespace(tail=[]) %}{% set head = ns.tail %}{% for i in range(100000) %}"
             "{% set next = [] %}{% do ns.tail.append(next) %}{% set ns.tail = next %}{% endfor %}done"),
      "done");
}

TEST(JinjaLimits, DeepJsonContextIsRejected) {
  nlohmann::ordered_json deep = nlohmann::ordered_json::array();
  nlohmann::ordered_json* cursor = &deep;
  for (int i = 0; i < 1000; ++i) {
    cursor->push_back(nlohmann::ordered_json::array());
    cursor = &(*cursor)[0];
  }
  EXPECT_THROW(Template("x").render(nlohmann::ordered_json{{"deep", deep}}), Error);
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaLimits, OperationsOnLargeValuesCountAsWork) {
  RenderLimits limits;
  limits.max_steps = 1'000'000;
  expect_error("{% set xs = range(100000) %}{% for i in range(1000) %}{{ xs == xs | list }}{% endfor %}",
               "work limit", {}, limits);
  expect_error("{% set s = 'a' * 1000000 %}{% for i in range(1000) %}{{ 'b' in s }}{% endfor %}",
               "work limit", {}, limits);
  expect_error("{% set xs = range(100000) %}{% for i in range(1000) %}{{ xs | tojson | length }}{% endfor %}",
               "work limit", {}, limits);
}

// A needle of 2M characters that almost matches everywhere in a 8M haystack: a linear search takes
// milliseconds, a naive one ~10^13 comparisons (hours), which ctest's per-test timeout turns into a failure.
// No timing threshold here: the gap is six orders of magnitude, not a benchmark.
TEST(JinjaLimits, LongNeedleSearchIsLinear) {
  EXPECT_EQ(
      render("{{ ('a' * 2000000 ~ 'b') in ('a' * 8000000) }}|{{ ('a' * 8000000).count('a' * 1000000 ~ 'b') }}"),
      "False|0");
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
