// Filters, one test per filter (or family), with results from Python Jinja / transformers semantics.
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaFilters, ToJsonMatchesPythonJsonDumps) {
  EXPECT_EQ(render("{{ {'a': [1, 'é', none, true, 1.5, 2.0], 'b': {}} | tojson }}"),
            "{\"a\": [1, \"é\", null, true, 1.5, 2.0], \"b\": {}}");
  EXPECT_EQ(render(R"({{ 'q"b\\n
<&>' | tojson }})"),
            R"("q\"b\\n\n<&>")");
  EXPECT_EQ(render("{{ {'b': 1, 'a': [1, 2], 'c': []} | tojson(indent=2) }}"),
            "{\n  \"b\": 1,\n  \"a\": [\n    1,\n    2\n  ],\n  \"c\": []\n}");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | tojson(sort_keys=true) }}"), "{\"a\": 2, \"b\": 1}");
  EXPECT_EQ(render("{{ [1, 2] | tojson(separators=(',', ':')) }}"), "[1,2]");
  EXPECT_EQ(render("{{ '\x01' | tojson }}"), "\"\\u0001\"");
  // ensure_ascii=True escapes like Python, with surrogate pairs beyond the BMP.
  EXPECT_EQ(render("{{ 'é😀x' | tojson(ensure_ascii=true) }}"), "\"\\u00e9\\ud83d\\ude00x\"");
}

TEST(JinjaFilters, ToJsonKeepsContextKeyOrder) {
  nlohmann::ordered_json tool = {{"name", "f"}, {"description", "d"}, {"parameters", {{"z", 1}, {"a", 2}}}};
  EXPECT_EQ(Template("{{ tool | tojson }}").render(nlohmann::ordered_json{{"tool", tool}}),
            "{\"name\": \"f\", \"description\": \"d\", \"parameters\": {\"z\": 1, \"a\": 2}}");
}

TEST(JinjaFilters, Trim) {
  EXPECT_EQ(render("[{{ '  x y \n' | trim }}][{{ 'xxhixx' | trim('x') }}][{{ missing | trim }}]"),
            "[x y][hi][]");
}

TEST(JinjaFilters, LengthAndCount) {
  EXPECT_EQ(render("{{ [1, 2] | length }}{{ 'héllo' | length }}{{ {'a': 1} | count }}{{ '' | length }}"),
            "2510");
}

TEST(JinjaFilters, CaseFilters) {
  EXPECT_EQ(render("{{ 'hello wORLD' | upper }}|{{ 'HeLLo' | lower }}|{{ 'hello wORLD-x (y' | title }}|"
                   "{{ 'hello wORLD' | capitalize }}"),
            "HELLO WORLD|hello|Hello World-X (Y|Hello world");
}

TEST(JinjaFilters, Replace) {
  EXPECT_EQ(
      render(
          "{{ 'aaa' | replace('a', 'b') }}|{{ 'aaa' | replace('a', 'b', 2) }}|{{ 'ab' | replace('', '-') }}"),
      "bbb|bba|-a-b-");
}

TEST(JinjaFilters, Join) {
  nlohmann::json ctx = {{"users", {{{"name", "ann"}}, {{"name", "bob"}}}}};
  EXPECT_EQ(
      render("{{ [1, 2, 3] | join(', ') }}|{{ 'abc' | join('.') }}|{{ users | join('+', attribute='name') }}",
             ctx),
      "1, 2, 3|a.b.c|ann+bob");
  EXPECT_EQ(render("{{ ['a', 'b'] | join }}"), "ab");
}

TEST(JinjaFilters, FirstAndLast) {
  EXPECT_EQ(render("{{ [1, 2, 3] | first }}{{ [1, 2, 3] | last }}{{ 'abc' | first }}{{ 'abc' | last }}[{{ [] "
                   "| first }}]"),
            "13ac[]");
}

TEST(JinjaFilters, Default) {
  EXPECT_EQ(render("{{ missing | default('x') }}|{{ '' | default('x') }}|{{ '' | default('x', true) }}|"
                   "{{ none | default('x') }}|{{ missing | d('y') }}|{{ 0 | d(5, boolean=true) }}"),
            "x||x|None|y|5");
}

TEST(JinjaFilters, Conversions) {
  EXPECT_EQ(render("{{ 1 | string ~ 'a' }}|{{ none | string }}|{{ [1] | string }}"), "1a|None|[1]");
  EXPECT_EQ(render("{{ '42' | int }}|{{ ' 4.7 ' | int }}|{{ 'x' | int }}|{{ 'x' | int(7) }}|{{ '0x1A' | "
                   "int(base=16) }}|"
                   "{{ 3.9 | int }}|{{ -3.9 | int }}|{{ true | int }}"),
            "42|4|0|7|26|3|-3|1");
  EXPECT_EQ(render("{{ '1.5' | float }}|{{ 2 | float }}|{{ 'x' | float }}|{{ 'x' | float(1.5) }}"),
            "1.5|2.0|0.0|1.5");
  EXPECT_EQ(render("{{ 'ab' | list }}|{{ {'k': 1, 'j': 2} | list }}|{{ [1] | list }}"),
            "['a', 'b']|['k', 'j']|[1]");
}

TEST(JinjaFilters, Items) {
  EXPECT_EQ(render("{% for k, v in {'a': 1, 'b': 2} | items %}{{ k }}{{ v }}{% endfor %}"), "a1b2");
  EXPECT_EQ(render("{{ missing | items | length }}"), "0");
}

TEST(JinjaFilters, SelectAndRejectAttr) {
  nlohmann::json ctx = {{"ms",
                         {{{"role", "system"}, {"on", true}},
                          {{"role", "user"}, {"on", false}},
                          {{"role", "user"}, {"on", true}}}}};
  EXPECT_EQ(render("{{ ms | selectattr('on') | map(attribute='role') | join(',') }}", ctx), "system,user");
  EXPECT_EQ(render("{{ ms | rejectattr('on') | list | length }}", ctx), "1");
  EXPECT_EQ(render("{{ ms | selectattr('role', 'equalto', 'user') | list | length }}", ctx), "2");
  EXPECT_EQ(render("{{ ms | selectattr('role', '==', 'system') | list | length }}", ctx), "1");
  EXPECT_EQ(render("{{ ms | rejectattr('role', 'in', ['user']) | map(attribute='role') | first }}", ctx),
            "system");
  EXPECT_EQ(render("{{ ms | selectattr('missing', 'defined') | list | length }}", ctx), "0");
}

TEST(JinjaFilters, SelectAndReject) {
  EXPECT_EQ(render("{{ [1, 2, 3, 4] | select('odd') | list }}|{{ [1, 2, 3, 4] | reject('odd') | list }}|"
                   "{{ [0, 1, '', 'a'] | select | list }}|{{ [1, 5, 9] | select('gt', 4) | list }}"),
            "[1, 3]|[2, 4]|[1, 'a']|[5, 9]");
}

TEST(JinjaFilters, Map) {
  nlohmann::json ctx = {{"xs", {{{"a", {{"b", 1}}}}, {{"a", {{"b", 2}}}}, {{"c", 0}}}}};
  EXPECT_EQ(render("{{ ['a', 'b'] | map('upper') | join }}|{{ ['1', '2'] | map('int') | sum }}", ctx),
            "AB|3");
  EXPECT_EQ(
      render("{{ xs | map(attribute='a') | list }}|{{ xs | map(attribute='c', default=9) | list }}", ctx),
      "[{'b': 1}, {'b': 2}, Undefined]|[9, 9, 0]");
  EXPECT_EQ(
      render("{{ xs[:2] | map(attribute='a.b') | list }}|{{ xs[:2] | map(attribute='a.0') | list }}", ctx),
      "[1, 2]|[Undefined, Undefined]");
  // Like jinja2, a path may not go on past a missing part.
  EXPECT_NE(
      render_error("{{ xs | map(attribute='a.b') | list }}", ctx).find("'dict object' has no attribute 'a'"),
      std::string::npos);
  EXPECT_EQ(render("{{ ['a', 'b'] | map('replace', 'a', 'z') | join }}"), "zb");
}

TEST(JinjaFilters, UniqueSortReverse) {
  EXPECT_EQ(
      render(
          "{{ ['a', 'A', 'b', 'a'] | unique | list }}|{{ ['a', 'A'] | unique(case_sensitive=true) | list }}"),
      "['a', 'b']|['a', 'A']");
  EXPECT_EQ(render("{{ [3, 1, 2] | sort }}|{{ [3, 1, 2] | sort(reverse=true) }}|{{ ['b', 'A', 'c'] | sort }}|"
                   "{{ ['b', 'A', 'c'] | sort(case_sensitive=true) }}"),
            "[1, 2, 3]|[3, 2, 1]|['A', 'b', 'c']|['A', 'b', 'c']");
  nlohmann::json ctx = {{"xs", {{{"n", 2}, {"k", "x"}}, {{"n", 1}, {"k", "y"}}, {{"n", 2}, {"k", "z"}}}}};
  EXPECT_EQ(render("{{ xs | sort(attribute='n') | map(attribute='k') | join }}", ctx), "yxz");
  EXPECT_EQ(render("{{ [1, 2, 3] | reverse | list }}|{{ 'abé' | reverse }}"), "[3, 2, 1]|éba");
  EXPECT_EQ(render("{{ {'b': 1, 'a': 2} | dictsort }}"), "[['a', 2], ['b', 1]]");
}

TEST(JinjaFilters, Indent) {
  EXPECT_EQ(render("{{ 'a\nb\n\nc' | indent(2) }}"), "a\n  b\n\n  c");
  EXPECT_EQ(render("{{ 'a\nb' | indent(2, true) }}"), "  a\n  b");
  EXPECT_EQ(render("{{ 'a\n\nb' | indent(2, blank=true) }}"), "a\n  \n  b");
  EXPECT_EQ(render("{{ 'a\nb' | indent('> ') }}"), "a\n> b");
  EXPECT_EQ(render("{{ 'a\nb' | indent }}"), "a\n    b");
}

TEST(JinjaFilters, Numbers) {
  EXPECT_EQ(render("{{ -3 | abs }}|{{ -1.5 | abs }}|{{ 2.567 | round(2) }}|{{ 2.5 | round }}|{{ 2.1 | "
                   "round(method='ceil') }}|"
                   "{{ 2.9 | round(0, 'floor') }}|{{ 7 | round }}"),
            "3|1.5|2.57|3.0|3.0|2.0|7.0");
  EXPECT_EQ(
      render("{{ [1, 2, 3] | sum }}|{{ [1, 2] | sum(start=10) }}|{{ [3, 1, 2] | min }}|{{ [3, 1, 2] | max }}|"
             "{{ ['b', 'A'] | max }}"),
      "6|13|1|3|b");
}

TEST(JinjaFilters, SafeAndEscape) {
  EXPECT_EQ(render("{{ '<a href=\"x\">&\\'' | e }}|{{ '<b>' | escape }}|{{ '<b>' | safe }}"),
            "&lt;a href=&#34;x&#34;&gt;&amp;&#39;|&lt;b&gt;|<b>");
}

TEST(JinjaFilters, WordcountAndAttr) {
  EXPECT_EQ(render("{{ ' one two  three ' | wordcount }}|{{ {'k': 'v'} | attr('k') }}"), "3|v");
}

// jinja2's string filters take any value and use its Python str() (soft_str); undefined is "".
TEST(JinjaFilters, StringFiltersStringifyAnyValueLikePython) {
  EXPECT_EQ(render("{{ none | trim }}|{{ none | upper }}|{{ none | lower }}|{{ none | title }}|"
                   "{{ none | capitalize }}|{{ none | replace('o', '0') }}"),
            "None|NONE|none|None|None|N0ne");
  EXPECT_EQ(render("{{ true | lower }}|{{ false | upper }}|{{ true | replace('ue', 'y') }}"),
            "true|FALSE|Try");
  EXPECT_EQ(render("{{ ['a', 1] | upper }}|{{ ['a', none] | trim('[]') }}|{{ {'k': 'v'} | title }}|{{ ['ab "
                   "cd'] | title }}|"
                   "{{ [1, 2] | replace(', ', '-') }}"),
            "['A', 1]|'a', None|{'k': 'v'}|['ab Cd']|[1-2]");
  EXPECT_EQ(render("{{ 5 | trim }}|{{ 1.5 | upper }}|[{{ missing | trim }}]|[{{ missing | upper }}]"),
            "5|1.5|[]|[]");
  EXPECT_EQ(render("{{ m.content | trim }}", {{"m", {{"content", nullptr}}}}), "None");
}

// indent appends to its input, so like jinja2 it takes strings only.
TEST(JinjaFilters, IndentNeedsAString) {
  EXPECT_NE(render_error("{{ none | indent }}"), "");
  EXPECT_NE(render_error("{{ missing | indent }}").find("'missing' is undefined"), std::string::npos);
}

TEST(JinjaFilters, UnknownFilterIsAnError) {
  EXPECT_NE(render_error("{{ 'x' | frobnicate }}").find("unknown filter 'frobnicate'"), std::string::npos);
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
