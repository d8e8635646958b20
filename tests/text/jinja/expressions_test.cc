// Expressions: literals, operators and their precedence, comparisons, subscripts, slices, attributes.
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaExpressions, Literals) {
  EXPECT_EQ(render("{{ 1 }}|{{ -2 }}|{{ 1.5 }}|{{ 2.0 }}|{{ 1e3 }}|{{ 1_000 }}"), "1|-2|1.5|2.0|1000.0|1000");
  EXPECT_EQ(render("{{ 'a' \"b\" }}|{{ true }}|{{ False }}|{{ none }}|{{ None }}"),
            "ab|True|False|None|None");
  EXPECT_EQ(render(R"({{ 'tab\there' }}|{{ "q\"uote" }}|{{ 'nl\n' }}|{{ '\u00e9\x41' }})"),
            "tab\there|q\"uote|nl\n|\xc3\xa9"
            "A");
  EXPECT_EQ(render("{{ [1, 'two', [3]] }}|{{ {'k': 'v', 'n': none} }}|{{ (1, 2) }}"),
            "[1, 'two', [3]]|{'k': 'v', 'n': None}|[1, 2]");
}

TEST(JinjaExpressions, Arithmetic) {
  EXPECT_EQ(render("{{ 1 + 2 * 3 }}|{{ (1 + 2) * 3 }}|{{ 7 - 10 }}"), "7|9|-3");
  EXPECT_EQ(render("{{ 7 / 2 }}|{{ 6 / 3 }}|{{ 7 // 2 }}|{{ -7 // 2 }}|{{ 7 % 3 }}|{{ -7 % 3 }}"),
            "3.5|2.0|3|-4|1|2");
  EXPECT_EQ(render("{{ 2 ** 10 }}|{{ 2 ** -1 }}|{{ 1.5 + 1 }}|{{ 0.1 + 0.2 }}"),
            "1024|0.5|2.5|0.30000000000000004");
  EXPECT_EQ(render("{{ 'ab' * 3 }}|{{ [1] * 3 }}|{{ 'a' + 'b' }}|{{ [1] + [2] }}"),
            "ababab|[1, 1, 1]|ab|[1, 2]");
  EXPECT_EQ(render("{{ -(3) }}|{{ +4 }}|{{ - 2 ** 2 }}"),
            "-3|4|4");  // Jinja: unary minus binds tighter than **
  EXPECT_EQ(render("{{ true + 1 }}"), "2");
}

TEST(JinjaExpressions, ConcatenationConvertsToString) {
  EXPECT_EQ(render("{{ 'n=' ~ 5 ~ ' ' ~ none ~ ' ' ~ true ~ '|' ~ missing ~ '|' }}"), "n=5 None True||");
  // ~ binds tighter than + and -, looser than * (Jinja's precedence).
  EXPECT_EQ(render("{{ 1 ~ 2 * 3 }}"), "16");
}

TEST(JinjaExpressions, Comparisons) {
  EXPECT_EQ(render("{{ 1 == 1.0 }}|{{ 1 != 2 }}|{{ 'a' < 'b' }}|{{ 2 >= 3 }}|{{ [1, 2] == [1, 2] }}"),
            "True|True|True|False|True");
  EXPECT_EQ(render("{{ {'a': 1} == {'a': 1} }}|{{ none == none }}|{{ 'x' == 1 }}|{{ true == 1 }}"),
            "True|True|False|True");
  EXPECT_EQ(render("{{ [1, 2] < [1, 3] }}|{{ 1.5 > 1 }}"), "True|True");
}

TEST(JinjaExpressions, Logic) {
  EXPECT_EQ(render("{{ true and false }}|{{ true or false }}|{{ not true }}|{{ not 0 }}"),
            "False|True|False|True");
  // and/or return an operand, like Python.
  EXPECT_EQ(render("{{ 0 or 'x' }}|{{ 'a' and 'b' }}|{{ '' and 'b' }}|{{ none or [] }}"), "x|b||[]");
  // not binds looser than comparison and tighter than and.
  EXPECT_EQ(render("{{ not 1 == 2 }}|{{ not false and false }}"), "True|False");
  // short circuit: the right side is not evaluated.
  EXPECT_EQ(render("{{ false and raise_exception('no') }}|{{ true or raise_exception('no') }}"),
            "False|True");
}

TEST(JinjaExpressions, Membership) {
  EXPECT_EQ(render("{{ 'ell' in 'hello' }}|{{ 2 in [1, 2] }}|{{ 'k' in {'k': 1} }}|{{ 3 not in [1, 2] }}"),
            "True|True|True|True");
  EXPECT_EQ(render("{{ 'x' in missing }}|{{ 'v' in {'k': 'v'} }}"), "False|False");
}

TEST(JinjaExpressions, Conditional) {
  EXPECT_EQ(render("{{ 'y' if 1 else 'n' }}|{{ 'y' if 0 else 'n' }}|{{ 'y' if 0 }}|"), "y|n||");
  EXPECT_EQ(render("{{ 'a' if false else 'b' if true else 'c' }}"), "b");
}

TEST(JinjaExpressions, SubscriptsAndAttributes) {
  nlohmann::json ctx = {{"m", {{"role", "user"}, {"content", "hi"}}}, {"xs", {10, 20, 30}}};
  EXPECT_EQ(render("{{ m.role }}|{{ m['content'] }}|{{ xs[0] }}|{{ xs[-1] }}|{{ xs.1 }}", ctx),
            "user|hi|10|30|20");
  EXPECT_EQ(render("[{{ m.missing }}][{{ xs[5] }}][{{ m['missing'] }}][{{ m.missing is defined }}]", ctx),
            "[][][][False]");
  EXPECT_NE(render_error("{{ missing.attr.deeper }}"), "");
  EXPECT_EQ(render("{{ 'héllo'[1] }}|{{ 'abc'[-1] }}"), "\xc3\xa9|c");
}

TEST(JinjaExpressions, Slices) {
  nlohmann::json ctx = {{"xs", {1, 2, 3, 4, 5}}};
  EXPECT_EQ(
      render("{{ xs[1:] }}|{{ xs[:2] }}|{{ xs[::-1] }}|{{ xs[-2:] }}|{{ xs[1:4:2] }}|{{ xs[10:] }}", ctx),
      "[2, 3, 4, 5]|[1, 2]|[5, 4, 3, 2, 1]|[4, 5]|[2, 4]|[]");
  EXPECT_EQ(render("{{ xs[:-1] }}|{{ xs[-100:2] }}|{{ xs[3:1:-1] }}|{{ xs[::2] }}", ctx),
            "[1, 2, 3, 4]|[1, 2]|[4, 3]|[1, 3, 5]");
  EXPECT_EQ(render("{{ xs[1::9223372036854775807] }}|{{ xs[3::-9223372036854775807] }}|{{ "
                   "xs[::-9223372036854775807] }}",
                   ctx),
            "[2]|[4]|[5]");
  EXPECT_EQ(render("{{ 'hello'[::-1] }}|{{ 'héllo'[1:3] }}|{{ 'abc'[5:] }}|"), "olleh|\xc3\xa9l||");
}

TEST(JinjaExpressions, UndefinedIsEmptyAndFalsy) {
  EXPECT_EQ(render("[{{ nope }}]{% if nope %}yes{% else %}no{% endif %}"), "[]no");
  EXPECT_EQ(render("{{ nope is defined }}|{{ nope is undefined }}|{{ nope | length }}"), "False|True|0");
  EXPECT_EQ(render("{% for x in nope %}x{% else %}empty{% endfor %}"), "empty");
}

// jinja2's default Undefined (what transformers uses): a missing name, key, index or attribute is undefined,
// and may be printed, tested, iterated, compared with == and defaulted, but not looked into, computed with or
// called.
TEST(JinjaExpressions, UndefinedMayBeUsedButNotLookedInto) {
  EXPECT_EQ(
      render("[{{ x }}]{% if x %}yes{% else %}no{% endif %}|{{ x | default('d') }}|{{ x | d('e', true) }}|"
             "{{ x is defined }}|{{ x is undefined }}|{% for i in x %}i{% endfor %}|{{ x | length }}|"
             "{{ x == x }}|{{ x != 1 }}|{{ not x }}|{{ 'a' in x }}|{{ x in [1] }}|{{ x ~ 'y' }}|"
             "{{ x | list }}|{{ x | join(',') }}|{{ x | string }}|{{ [x] }}"),
      "[]no|d|e|False|True||0|True|True|True|False|False|y|[]|||[Undefined]");
  nlohmann::json ctx = {{"d", {{"k", 1}, {"n", nullptr}}}, {"xs", {1, 2}}};
  EXPECT_EQ(render("[{{ d.missing }}]{{ d.missing is defined }}|{{ d['missing'] | default('m') }}|"
                   "{{ xs[5] is defined }}|{{ d.n.attr is defined }}|{{ 'ab'[7] is undefined }}",
                   ctx),
            "[]False|m|False|False|True");
}

TEST(JinjaExpressions, LookingIntoUndefinedIsAnError) {
  nlohmann::json ctx = {{"d", {{"k", 1}}}, {"xs", nlohmann::json::array()}};
  auto error = [&](const char* source) { return render_error(source, ctx); };
  EXPECT_NE(error("{{ x.y }}").find("'x' is undefined"), std::string::npos);
  EXPECT_NE(error("{{ x['y'] }}").find("'x' is undefined"), std::string::npos);
  EXPECT_NE(error("{{ x.y is defined }}").find("'x' is undefined"), std::string::npos);
  EXPECT_NE(error("{{ d.missing.more }}").find("'dict object' has no attribute 'missing'"),
            std::string::npos);
  EXPECT_NE(error("{{ d['missing']['more'] }}").find("'dict object' has no attribute 'missing'"),
            std::string::npos);
  EXPECT_NE(error("{{ xs[0]['role'] }}").find("list object has no element 0"), std::string::npos);
  EXPECT_NE(error("{{ xs[0].role }}").find("template line 1, column"), std::string::npos);
  EXPECT_NE(error("{{ none.a.b }}").find("'None' has no attribute 'a'"), std::string::npos);
  EXPECT_NE(error("{{ none.strip() }}").find("'None' has no attribute 'strip'"), std::string::npos);
  EXPECT_NE(error("{{ d.missing() }}").find("'dict object' has no attribute 'missing'"), std::string::npos);
  for (const char* source :
       {"{{ x[1:] }}", "{{ x() }}", "{{ x.strip() }}", "{{ x + 1 }}", "{{ 'a' + x }}", "{{ x * 2 }}",
        "{{ -x }}", "{{ +x }}", "{{ x < 1 }}", "{{ 1 >= x }}", "{{ x | tojson }}", "{{ [x] | tojson }}",
        "{{ x | int }}", "{{ x | float }}", "{{ x | attr('a') }}", "{{ (xs | first).a }}"}) {
    EXPECT_NE(error(source), "") << source;
  }
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
