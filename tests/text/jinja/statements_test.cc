// Statements: if/elif/else, for (loop variables, else, inline filter, unpacking, break/continue), set (plain,
// tuple, block, namespace attribute), macros, filter blocks, do.
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaStatements, IfElifElse) {
  const char* source = "{% if n > 2 %}big{% elif n == 2 %}two{% elif n == 1 %}one{% else %}none{% endif %}";
  EXPECT_EQ(render(source, {{"n", 5}}), "big");
  EXPECT_EQ(render(source, {{"n", 2}}), "two");
  EXPECT_EQ(render(source, {{"n", 1}}), "one");
  EXPECT_EQ(render(source, {{"n", 0}}), "none");
}

TEST(JinjaStatements, ForLoopVariables) {
  EXPECT_EQ(
      render("{% for x in 'abc' %}{{ loop.index }}{{ loop.index0 }}{{ loop.revindex }}{{ loop.revindex0 }}"
             "{{ loop.length }}{{ loop.first }}{{ loop.last }};{% endfor %}"),
      "10323TrueFalse;21213FalseFalse;32103FalseTrue;");
  EXPECT_EQ(render("{% for x in [1, 2, 3] %}[{{ loop.previtem }}<{{ x }}>{{ loop.nextitem }}]{% endfor %}"),
            "[<1>2][1<2>3][2<3>]");
  EXPECT_EQ(render("{% for x in range(4) %}{{ loop.cycle('a', 'b') }}{% endfor %}"), "abab");
}

TEST(JinjaStatements, NestedLoopsShadowLoop) {
  EXPECT_EQ(render("{% for a in [1, 2] %}{% for b in [1, 2] %}{{ loop.index }}{% endfor %}{{ loop.index }};"
                   "{% endfor %}"),
            "121;122;");
}

TEST(JinjaStatements, LoopObjectsOutliveTheirIterationWhenKept) {
  EXPECT_EQ(render("{% set keep = [] %}{% for x in 'ab' %}{% do keep.append(loop) %}{% endfor %}"
                   "{{ keep | map(attribute='index') | list }}{{ keep[0].nextitem }}"),
            "[1, 2]b");
  // A kept loop object that refers back to the list keeping it (a cycle) is still released after the render.
  EXPECT_EQ(render("{% set keep = [] %}{% for x in [keep, keep] %}{% do keep.append(loop) %}{% endfor %}"
                   "{{ keep | length }}"),
            "2");
}

TEST(JinjaStatements, ForElseRunsOnEmptyIterable) {
  EXPECT_EQ(render("{% for x in [] %}x{% else %}empty{% endfor %}"), "empty");
  EXPECT_EQ(render("{% for x in [1] %}x{% else %}empty{% endfor %}"), "x");
}

TEST(JinjaStatements, ForWithInlineFilterCountsOnlyKeptItems) {
  EXPECT_EQ(render("{% for x in range(10) if x is odd %}{{ x }}/{{ loop.length }}{{ ',' if not loop.last }}"
                   "{% endfor %}"),
            "1/5,3/5,5/5,7/5,9/5");
}

TEST(JinjaStatements, ForUnpacksPairs) {
  nlohmann::ordered_json d = {{"b", 1}, {"a", 2}};
  nlohmann::ordered_json ctx = {{"d", d}};
  EXPECT_EQ(Template("{% for k, v in d.items() %}{{ k }}={{ v }};{% endfor %}").render(ctx), "b=1;a=2;");
  EXPECT_EQ(render("{% for a, b in [[1, 2], [3, 4]] %}{{ a + b }},{% endfor %}"), "3,7,");
  EXPECT_EQ(Template("{% for k in d %}{{ k }}{% endfor %}").render(ctx), "ba");
}

TEST(JinjaStatements, BreakAndContinue) {
  EXPECT_EQ(
      render("{% for x in range(10) %}{% if x == 4 %}{% break %}{% endif %}{% if x is even %}{% continue %}"
             "{% endif %}{{ x }}{% endfor %}"),
      "13");
}

TEST(JinjaStatements, SetInsideLoopDoesNotLeakButNamespaceDoes) {
  EXPECT_EQ(render("{% set x = 1 %}{% for i in [1, 2] %}{% set x = x + i %}{% endfor %}{{ x }}"), "1");
  EXPECT_EQ(render("{% set ns = namespace(total=0, seen=[]) %}{% for i in [1, 2, 3] %}{% set ns.total = "
                   "ns.total + i %}"
                   "{% endfor %}{{ ns.total }}"),
            "6");
}

TEST(JinjaStatements, SetForms) {
  EXPECT_EQ(render("{% set a, b = 1, 2 %}{{ a }}{{ b }}"), "12");
  EXPECT_EQ(render("{% set a, b = [3, 4] %}{{ a }}{{ b }}"), "34");
  EXPECT_EQ(render("{% set block %}Hi {{ name }}!{% endset %}[{{ block }}]", {{"name", "Bo"}}), "[Hi Bo!]");
  EXPECT_EQ(render("{% set shout | upper | trim %}  hey  {% endset %}[{{ shout }}]"), "[HEY]");
}

TEST(JinjaStatements, NamespaceFromDictAndSubscript) {
  EXPECT_EQ(render("{% set ns = namespace({'a': 1}, b=2) %}{{ ns.a }}{{ ns['b'] }}{{ ns.c is defined }}"),
            "12False");
}

TEST(JinjaStatements, ListAppendMutatesInPlace) {
  EXPECT_EQ(
      render("{% set xs = [] %}{% for i in range(3) %}{% set _ = xs.append(i * i) %}{% endfor %}{{ xs }}"),
      "[0, 1, 4]");
  EXPECT_EQ(render("{% set xs = [1] %}{% do xs.append(2) %}{{ xs | length }}"), "2");
}

TEST(JinjaStatements, MacrosWithDefaultsAndKeywords) {
  const char* source =
      "{% macro tag(name, value='x', sep=': ') %}<{{ name }}{{ sep }}{{ value }}>{% endmacro %}"
      "{{ tag('a') }}{{ tag('b', 2) }}{{ tag('c', sep='=') }}{{ tag(name='d', value=none) }}";
  EXPECT_EQ(render(source), "<a: x><b: 2><c=x><d: None>");
}

TEST(JinjaStatements, MacrosSeeGlobalsAndCanRecurse) {
  const char* source =
      "{% macro count(n) %}{{ n }}{% if n > 0 %},{{ count(n - 1) }}{% endif %}{% endmacro %}"
      "{{ prefix }}{{ count(3) }}";
  EXPECT_EQ(render(source, {{"prefix", ">"}}), ">3,2,1,0");
}

TEST(JinjaStatements, MacroExtraArgumentsGoToVarargsAndKwargs) {
  EXPECT_EQ(render("{% macro f(a) %}{{ a }}{{ varargs }}{{ kwargs }}{% endmacro %}{{ f(1, 2, 3, k='v') }}"),
            "1[2, 3]{'k': 'v'}");
}

TEST(JinjaStatements, MacroOutputIsAString) {
  EXPECT_EQ(render("{% macro f() %}  x  {% endmacro %}[{{ f() | trim }}]{{ f() | length }}"), "[x]5");
}

TEST(JinjaStatements, FilterBlock) {
  EXPECT_EQ(render("{% filter upper %}hello {{ 'you' }}{% endfilter %}"), "HELLO YOU");
  EXPECT_EQ(render("{% filter replace('a', 'o') | upper %}banana{% endfilter %}"), "BONONO");
}

TEST(JinjaStatements, GlobalsRangeAndDict) {
  EXPECT_EQ(render("{{ range(3) }}|{{ range(1, 4) }}|{{ range(10, 0, -3) }}|{{ range(0) }}"),
            "[0, 1, 2]|[1, 2, 3]|[10, 7, 4, 1]|[]");
  EXPECT_EQ(render("{{ range(-9223372036854775807, 9223372036854775807, 9223372036854775807) }}"),
            "[-9223372036854775807, 0]");
  EXPECT_EQ(render("{{ dict(a=1, b='x') }}|{{ dict({'k': 1}, z=2) }}"),
            "{'a': 1, 'b': 'x'}|{'k': 1, 'z': 2}");
}

TEST(JinjaStatements, StrftimeNowFormatsTheCurrentTime) {
  std::string year = render("{{ strftime_now('%Y') }}");
  ASSERT_EQ(year.size(), 4u);
  EXPECT_GE(std::stoi(year), 2024);
  EXPECT_EQ(render("{{ strftime_now('%%literal') }}"), "%literal");
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
