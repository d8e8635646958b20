// Python methods on strings, dicts and lists, and Jinja tests (`is ...`).
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaMethods, StringStrip) {
  EXPECT_EQ(render("[{{ '  a  '.strip() }}][{{ '  a  '.lstrip() }}][{{ '  a  '.rstrip() }}][{{ "
                   "'\n\nx\n'.strip('\n') }}]"),
            "[a][a  ][  a][x]");
}

TEST(JinjaMethods, StringSplit) {
  EXPECT_EQ(render("{{ ' a  b '.split() }}|{{ 'a,b,,c'.split(',') }}|{{ 'a,b,c'.split(',', 1) }}|{{ "
                   "'x'.split('y') }}"),
            "['a', 'b']|['a', 'b', '', 'c']|['a', 'b,c']|['x']");
  EXPECT_EQ(render("{{ 'a</think>b</think>c'.split('</think>')[-1] }}"), "c");
  EXPECT_EQ(render("{{ 'l1\nl2\r\nl3'.splitlines() }}"), "['l1', 'l2', 'l3']");
}

TEST(JinjaMethods, StringPredicatesAndCase) {
  EXPECT_EQ(
      render("{{ 'hello'.startswith('he') }}{{ 'hello'.endswith('lo') }}{{ 'hello'.startswith(('x', 'h')) }}"
             "{{ 'hi'.startswith('hello') }}"),
      "TrueTrueTrueFalse");
  EXPECT_EQ(render("{{ 'aBc'.upper() }}{{ 'aBc'.lower() }}{{ 'a b'.title() }}{{ 'aB'.capitalize() }}"),
            "ABCabcA BAb");
  EXPECT_EQ(render("{{ 'a-a'.replace('a', 'b') }}|{{ 'abcb'.find('b') }}|{{ 'abcb'.count('b') }}|{{ "
                   "'12'.isdigit() }}"),
            "b-b|1|2|True");
}

TEST(JinjaMethods, StringFormatAndJoin) {
  EXPECT_EQ(
      render("{{ '{} and {}'.format(1, 'b') }}|{{ '{1}{0}'.format('a', 'b') }}|{{ '{n}!'.format(n='x') }}|"
             "{{ '{{}}'.format() }}|{{ ', '.join(['a', 'b']) }}"),
      "1 and b|ba|x!|{}|a, b");
}

TEST(JinjaMethods, DictMethods) {
  nlohmann::ordered_json ctx = {{"d", {{"b", 1}, {"a", 2}}}};
  EXPECT_EQ(Template("{{ d.keys() }}|{{ d.values() }}|{{ d.get('a') }}|{{ d.get('z') }}|{{ d.get('z', 0) }}|"
                     "{% for k, v in d.items() %}{{ k }}{{ v }}{% endfor %}")
                .render(ctx),
            "['b', 'a']|[1, 2]|2|None|0|b1a2");
}

TEST(JinjaMethods, DictKeysShadowMethodsOnlyForAttributes) {
  // message.items is the key when present; calling items() still works on a plain dict.
  EXPECT_EQ(render("{{ m.items }}|{{ {'x': 1}.items() | length }}", {{"m", {{"items", "value"}}}}),
            "value|1");
}

TEST(JinjaMethods, ListMethods) {
  EXPECT_EQ(render("{% set xs = [1, 2, 3] %}{{ xs.pop() }}{{ xs }}{{ xs.pop(0) }}{{ xs }}{{ xs.index(2) }}"
                   "{{ [1, 1, 2].count(1) }}{% do xs.extend([7, 8]) %}{{ xs }}"),
            "3[1, 2]1[2]02[2, 7, 8]");
}

TEST(JinjaMethods, UnknownMethodIsAnError) {
  EXPECT_NE(render_error("{{ 'x'.nope() }}").find("has no attribute 'nope'"), std::string::npos);
  EXPECT_NE(render_error("{{ missing.strip() }}").find("'missing' is undefined"), std::string::npos);
}

TEST(JinjaTests, TypeTests) {
  nlohmann::json ctx = {{"d", {{"k", 1}}}, {"l", {1}}, {"s", "x"}, {"n", nullptr},
                        {"i", 1},          {"f", 1.5}, {"b", true}};
  EXPECT_EQ(
      render("{{ s is string }}{{ i is string }}{{ i is number }}{{ f is number }}{{ s is number }}", ctx),
      "TrueFalseTrueTrueFalse");
  EXPECT_EQ(
      render("{{ d is mapping }}{{ l is mapping }}{{ l is iterable }}{{ s is iterable }}{{ i is iterable }}",
             ctx),
      "TrueFalseTrueTrueFalse");
  EXPECT_EQ(
      render("{{ l is sequence }}{{ b is boolean }}{{ i is boolean }}{{ i is integer }}{{ f is integer }}",
             ctx),
      "TrueTrueFalseTrueFalse");
  EXPECT_EQ(
      render(
          "{{ f is float }}{{ n is none }}{{ s is none }}{{ b is true }}{{ i is true }}{{ false is false }}",
          ctx),
      "TrueTrueFalseTrueFalseTrue");
  EXPECT_EQ(render("{{ d is defined }}{{ zz is defined }}{{ zz is undefined }}{{ n is defined }}", ctx),
            "TrueFalseTrueTrue");
}

TEST(JinjaTests, ValueTests) {
  EXPECT_EQ(render("{{ 4 is even }}{{ 4 is odd }}{{ 9 is divisibleby 3 }}{{ 9 is divisibleby(2) }}"),
            "TrueFalseTrueFalse");
  EXPECT_EQ(render("{{ 2 is in [1, 2] }}{{ 'a' is in 'xyz' }}{{ 1 is eq 1 }}{{ 'a' is equalto 'b' }}"),
            "TrueFalseTrueFalse");
  EXPECT_EQ(render("{{ 1 is not none }}{{ none is not none }}{{ not x is defined }}"), "TrueFalseTrue");
  EXPECT_EQ(
      render("{{ 'abc' is lower }}{{ 'aBc' is lower }}{{ 'ABC' is upper }}{{ 3 is gt 2 }}{{ 3 is le 2 }}"),
      "TrueFalseTrueTrueFalse");
}

TEST(JinjaTests, UnknownTestIsAnError) {
  EXPECT_NE(render_error("{{ 1 is shiny }}").find("unknown test 'shiny'"), std::string::npos);
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
