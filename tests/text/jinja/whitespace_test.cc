// Whitespace control: `-` modifiers, trim_blocks, lstrip_blocks, comments, raw blocks, trailing newline.
#include <gtest/gtest.h>

#include "render_helpers.h"

namespace chunkwise::text::jinja::testing {
namespace {

TEST(JinjaWhitespace, PlainTextPassesThrough) {
  EXPECT_EQ(render("Hello,\n  world"), "Hello,\n  world");
}

TEST(JinjaWhitespace, OneTrailingNewlineIsDropped) {
  EXPECT_EQ(render("a\n"), "a");
  EXPECT_EQ(render("a\n\n"), "a\n");
}

TEST(JinjaWhitespace, DashStripsAllWhitespaceOnThatSide) {
  EXPECT_EQ(render("a  \n {{- 'b' -}} \n\t c"), "abc");
  EXPECT_EQ(render("a  {{- 'b' }}  c"), "ab  c");
  EXPECT_EQ(render("a  {{ 'b' -}}  c"), "a  bc");
  EXPECT_EQ(render("x \n{%- if true -%}\n y \n{%- endif -%}\n z"), "xyz");
  EXPECT_EQ(render("a \n{#- comment -#}\n b"), "ab");
}

TEST(JinjaWhitespace, WithoutOptionsBlockTagsKeepTheirNewlines) {
  EXPECT_EQ(render("{% if true %}\nyes\n{% endif %}\n"), "\nyes\n");
}

TEST(JinjaWhitespace, TrimBlocksDropsTheFirstNewlineAfterBlockAndCommentTags) {
  EXPECT_EQ(render_chat("{% if true %}\nyes\n{% endif %}\nafter"), "yes\nafter");
  EXPECT_EQ(render_chat("{# note #}\nx"), "x");
  // Only one newline, and not after expression tags.
  EXPECT_EQ(render_chat("{% if true %}\n\nyes{% endif %}"), "\nyes");
  EXPECT_EQ(render_chat("{{ 'a' }}\nb"), "a\nb");
}

TEST(JinjaWhitespace, LstripBlocksDropsIndentationBeforeBlockTags) {
  EXPECT_EQ(render_chat("  {% if true %}\n    yes\n  {% endif %}\n"), "    yes\n");
  // Not when text precedes the tag on its line, and not for expression tags.
  EXPECT_EQ(render_chat("x {% if true %}y{% endif %}"), "x y");
  EXPECT_EQ(render_chat("  {{ 'v' }}"), "  v");
  // `{%+` keeps the indentation.
  EXPECT_EQ(render_chat("  {%+ if true %}y{% endif %}"), "  y");
}

TEST(JinjaWhitespace, ChatStyleLoopRendersOneLinePerItem) {
  const char* source =
      "{% for m in messages %}\n"
      "    {% if m.role == 'user' %}\n"
      "U: {{ m.content }}\n"
      "    {% else %}\n"
      "A: {{ m.content }}\n"
      "    {% endif %}\n"
      "{% endfor %}\n";
  nlohmann::json ctx = {
      {"messages", {{{"role", "user"}, {"content", "hi"}}, {{"role", "bot"}, {"content", "yo"}}}}};
  EXPECT_EQ(render_chat(source, ctx), "U: hi\nA: yo\n");
}

TEST(JinjaWhitespace, CommentsRenderNothing) {
  EXPECT_EQ(render("a{# {{ not rendered }} {% if %} #}b"), "ab");
}

TEST(JinjaWhitespace, RawBlocksAreLiteral) {
  EXPECT_EQ(render("{% raw %}{{ x }}{% if %}{% endraw %}"), "{{ x }}{% if %}");
  EXPECT_EQ(render_chat("{% raw %}\n{{ x }}\n{% endraw %}\ny"), "{{ x }}\ny");
}

TEST(JinjaWhitespace, ClosingBracesInsideExpressionsDoNotEndTheTag) {
  EXPECT_EQ(render("{{ {'a': {'b': 1}}['a']['b'] }}"), "1");
  EXPECT_EQ(render("{{ '}}' }}"), "}}");
  EXPECT_EQ(render("{% set x = '%}' %}{{ x }}"), "%}");
}

TEST(JinjaWhitespace, GenerationTagsRenderTheirBody) {
  EXPECT_EQ(render_chat("a{% generation %}b{% endgeneration %}c"), "abc");
}

}  // namespace
}  // namespace chunkwise::text::jinja::testing
