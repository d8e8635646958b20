#include "ingest/html_document.h"

#include <gumbo.h>

#include <algorithm>
#include <cctype>
#include <memory>
#include <string>
#include <vector>

#include "common/error.h"

namespace chunkwise::ingest {

namespace {

constexpr size_t kMaxHtmlNesting = 2000;

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

// Builds the text: inline runs with collapsed whitespace, block breaks as newlines.
class TextBuilder {
 public:
  // Inline text: whitespace runs become one space, none at the start of a line.
  void inline_text(std::string_view s) {
    for (char c : s) {
      if (is_space(c)) {
        pending_space_ = true;
        continue;
      }
      if (pending_space_ && !text_.empty() && text_.back() != '\n') text_ += ' ';
      pending_space_ = false;
      pending_newlines_flush();
      text_ += c;
    }
  }

  // Preformatted text, kept as it is.
  void verbatim(std::string_view s) {
    if (s.empty()) return;
    pending_newlines_flush();
    pending_space_ = false;
    text_ += s;
  }

  // Literal text that starts a line (list markers, cell separators).
  void marker(std::string_view s) {
    pending_newlines_flush();
    pending_space_ = false;
    text_ += s;
  }

  // The next text starts after at least `newlines` line breaks (1: new line, 2: new paragraph); nothing at
  // the very start.
  void block_break(int newlines) {
    pending_space_ = false;
    wanted_newlines_ = std::max(wanted_newlines_, newlines);
  }

  // The end of the text written so far (pending breaks not counted).
  size_t end_offset() const { return text_.size(); }

  // Where the next text will start, once pending breaks are written.
  size_t next_offset() {
    pending_newlines_flush();
    return text_.size();
  }

  // The text without leading and trailing whitespace; `*trimmed_front` gets how many bytes left the front.
  std::string finish(size_t* trimmed_front) {
    while (!text_.empty() && is_space(text_.back())) text_.pop_back();
    size_t front = 0;
    while (front < text_.size() && is_space(text_[front])) ++front;
    text_.erase(0, front);
    if (trimmed_front) *trimmed_front = front;
    return std::move(text_);
  }

 private:
  void pending_newlines_flush() {
    if (wanted_newlines_ == 0) return;
    if (!text_.empty()) {
      while (!text_.empty() && (text_.back() == ' ' || text_.back() == '\t')) text_.pop_back();
      int have = 0;
      for (auto it = text_.rbegin(); it != text_.rend() && *it == '\n'; ++it) ++have;
      for (; have < wanted_newlines_; ++have) text_ += '\n';
    }
    wanted_newlines_ = 0;
  }

  std::string text_;
  bool pending_space_ = false;
  int wanted_newlines_ = 0;
};

bool ascii_contains_lower(std::string_view haystack, std::string_view needle) {
  std::string lowered(haystack);
  std::transform(lowered.begin(), lowered.end(), lowered.begin(),
                 [](unsigned char c) { return char(std::tolower(c)); });
  lowered.erase(std::remove_if(lowered.begin(), lowered.end(), [](char c) { return is_space(c); }),
                lowered.end());
  return lowered.find(needle) != std::string::npos;
}

bool is_hidden(const GumboElement& element) {
  if (gumbo_get_attribute(&element.attributes, "hidden")) return true;
  if (const GumboAttribute* aria = gumbo_get_attribute(&element.attributes, "aria-hidden");
      aria && std::string_view(aria->value) == "true")
    return true;
  if (const GumboAttribute* style = gumbo_get_attribute(&element.attributes, "style");
      style && ascii_contains_lower(style->value, "display:none"))
    return true;
  return false;
}

bool is_dropped(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_SCRIPT:
    case GUMBO_TAG_STYLE:
    case GUMBO_TAG_NOSCRIPT:
    case GUMBO_TAG_TEMPLATE:
    case GUMBO_TAG_NAV:
    case GUMBO_TAG_HEADER:
    case GUMBO_TAG_FOOTER:
    case GUMBO_TAG_ASIDE:
    case GUMBO_TAG_SVG:
    case GUMBO_TAG_MATH:
    case GUMBO_TAG_CANVAS:
    case GUMBO_TAG_IFRAME:
    case GUMBO_TAG_OBJECT:
    case GUMBO_TAG_EMBED:
    case GUMBO_TAG_BUTTON:
    case GUMBO_TAG_SELECT:
    case GUMBO_TAG_TEXTAREA:
    case GUMBO_TAG_INPUT:
      return true;
    default:
      return false;
  }
}

// Blocks: a paragraph break before and after (2), or a line break (1); 0 for inline elements.
int block_newlines(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_P:
    case GUMBO_TAG_DIV:
    case GUMBO_TAG_SECTION:
    case GUMBO_TAG_ARTICLE:
    case GUMBO_TAG_MAIN:
    case GUMBO_TAG_BLOCKQUOTE:
    case GUMBO_TAG_PRE:
    case GUMBO_TAG_UL:
    case GUMBO_TAG_OL:
    case GUMBO_TAG_DL:
    case GUMBO_TAG_TABLE:
    case GUMBO_TAG_FIGURE:
    case GUMBO_TAG_ADDRESS:
    case GUMBO_TAG_HR:
    case GUMBO_TAG_DETAILS:
    case GUMBO_TAG_FIELDSET:
    case GUMBO_TAG_BODY:
      return 2;
    case GUMBO_TAG_LI:
    case GUMBO_TAG_TR:
    case GUMBO_TAG_DT:
    case GUMBO_TAG_DD:
    case GUMBO_TAG_FIGCAPTION:
    case GUMBO_TAG_CAPTION:
    case GUMBO_TAG_SUMMARY:
    case GUMBO_TAG_BR:
      return 1;
    default:
      return 0;
  }
}

int heading_level(GumboTag tag) {
  switch (tag) {
    case GUMBO_TAG_H1:
      return 1;
    case GUMBO_TAG_H2:
      return 2;
    case GUMBO_TAG_H3:
      return 3;
    case GUMBO_TAG_H4:
      return 4;
    case GUMBO_TAG_H5:
      return 5;
    case GUMBO_TAG_H6:
      return 6;
    default:
      return 0;
  }
}

// All text below `node`, whitespace collapsed (for titles and headings).
std::string plain_text(const GumboNode* node) {
  TextBuilder builder;
  std::vector<const GumboNode*> stack{node};
  while (!stack.empty()) {
    const GumboNode* n = stack.back();
    stack.pop_back();
    if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA || n->type == GUMBO_NODE_WHITESPACE) {
      builder.inline_text(n->v.text.text);
    } else if (n->type == GUMBO_NODE_ELEMENT || n->type == GUMBO_NODE_TEMPLATE) {
      if (is_dropped(n->v.element.tag) || is_hidden(n->v.element)) continue;
      const GumboVector& children = n->v.element.children;
      for (unsigned i = children.length; i-- > 0;)
        stack.push_back(static_cast<const GumboNode*>(children.data[i]));
    }
  }
  return builder.finish(nullptr);
}

class Extractor {
 public:
  ExtractedDocument run(const GumboNode* root) {
    if (const GumboNode* title = find_title(root)) {
      const std::string text = plain_text(title);
      if (!text.empty()) {
        builder_.inline_text(text);
        builder_.block_break(2);
      }
    }
    walk(root);
    ExtractedDocument document;
    size_t trimmed = 0;
    document.text = builder_.finish(&trimmed);
    for (text::Heading& heading : headings_) {
      if (heading.begin < trimmed) continue;  // cannot happen: a heading starts with its title's text
      heading.begin -= trimmed;
      if (heading.begin + heading.title.size() <= document.text.size())
        document.structure.headings.push_back(std::move(heading));
    }
    for (const text::Span& block : atomic_blocks_) {
      const size_t begin = block.begin > trimmed ? block.begin - trimmed : 0;
      const size_t end = std::min(block.end > trimmed ? block.end - trimmed : 0, document.text.size());
      if (begin < end) document.structure.atomic_blocks.push_back({begin, end});
    }
    return document;
  }

 private:
  static const GumboNode* find_title(const GumboNode* root) {
    std::vector<const GumboNode*> stack{root};
    while (!stack.empty()) {
      const GumboNode* n = stack.back();
      stack.pop_back();
      if (n->type == GUMBO_NODE_DOCUMENT) {
        const GumboVector& children = n->v.document.children;
        for (unsigned i = children.length; i-- > 0;)
          stack.push_back(static_cast<const GumboNode*>(children.data[i]));
        continue;
      }
      if (n->type != GUMBO_NODE_ELEMENT) continue;
      if (n->v.element.tag == GUMBO_TAG_TITLE) return n;
      if (n->v.element.tag == GUMBO_TAG_BODY) continue;  // a title belongs in the head
      const GumboVector& children = n->v.element.children;
      for (unsigned i = children.length; i-- > 0;)
        stack.push_back(static_cast<const GumboNode*>(children.data[i]));
    }
    return nullptr;
  }

  // Iterative (documents may nest deeply): entries are (node, entering?).
  void walk(const GumboNode* root) {
    struct Step {
      const GumboNode* node;
      bool enter;
    };
    std::vector<Step> stack{{root, true}};
    while (!stack.empty()) {
      const Step step = stack.back();
      stack.pop_back();
      const GumboNode* n = step.node;
      if (n->type == GUMBO_NODE_TEXT || n->type == GUMBO_NODE_CDATA || n->type == GUMBO_NODE_WHITESPACE) {
        if (preformatted_ > 0)
          builder_.verbatim(n->v.text.text);
        else
          builder_.inline_text(n->v.text.text);
        continue;
      }
      if (n->type != GUMBO_NODE_ELEMENT && n->type != GUMBO_NODE_TEMPLATE && n->type != GUMBO_NODE_DOCUMENT)
        continue;
      if (n->type == GUMBO_NODE_DOCUMENT) {
        const GumboVector& children = n->v.document.children;
        for (unsigned i = children.length; i-- > 0;)
          stack.push_back({static_cast<const GumboNode*>(children.data[i]), true});
        continue;
      }
      const GumboElement& element = n->v.element;
      const GumboTag tag = element.tag;
      if (step.enter) {
        if (is_dropped(tag) || tag == GUMBO_TAG_HEAD || is_hidden(element)) continue;
        if (const int level = heading_level(tag)) {
          const std::string title = plain_text(n);
          if (!title.empty()) {
            builder_.block_break(2);
            headings_.push_back({builder_.next_offset(), level, title});
            builder_.inline_text(title);
            builder_.block_break(2);
          }
          continue;  // its text is written
        }
        open(tag, n);
        stack.push_back({n, false});
        const GumboVector& children = element.children;
        for (unsigned i = children.length; i-- > 0;)
          stack.push_back({static_cast<const GumboNode*>(children.data[i]), true});
      } else {
        close(tag);
      }
    }
  }

  void open(GumboTag tag, const GumboNode* node) {
    if (const int newlines = block_newlines(tag)) builder_.block_break(newlines);
    if ((tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_TABLE) && atomic_depth_++ == 0)
      atomic_begin_ = builder_.next_offset();
    switch (tag) {
      case GUMBO_TAG_PRE:
        ++preformatted_;
        break;
      case GUMBO_TAG_LI:
        builder_.marker("- ");
        break;
      case GUMBO_TAG_TD:
      case GUMBO_TAG_TH:
        if (cell_index_of(node) > 0) builder_.marker(" | ");
        break;
      default:
        break;
    }
  }

  void close(GumboTag tag) {
    if (tag == GUMBO_TAG_PRE) --preformatted_;
    if ((tag == GUMBO_TAG_PRE || tag == GUMBO_TAG_TABLE) && --atomic_depth_ == 0 &&
        builder_.end_offset() > atomic_begin_)
      atomic_blocks_.push_back({atomic_begin_, builder_.end_offset()});
    if (const int newlines = block_newlines(tag)) builder_.block_break(tag == GUMBO_TAG_BR ? 1 : newlines);
  }

  // Position of a cell among its row's element cells.
  static int cell_index_of(const GumboNode* cell) {
    const GumboNode* row = cell->parent;
    if (!row || row->type != GUMBO_NODE_ELEMENT) return 0;
    int index = 0;
    const GumboVector& siblings = row->v.element.children;
    for (unsigned i = 0; i < siblings.length; ++i) {
      const auto* sibling = static_cast<const GumboNode*>(siblings.data[i]);
      if (sibling == cell) return index;
      if (sibling->type == GUMBO_NODE_ELEMENT &&
          (sibling->v.element.tag == GUMBO_TAG_TD || sibling->v.element.tag == GUMBO_TAG_TH))
        ++index;
    }
    return index;
  }

  TextBuilder builder_;
  std::vector<text::Heading> headings_;
  std::vector<text::Span> atomic_blocks_;  // <pre> and <table>, outermost only
  int atomic_depth_ = 0;
  size_t atomic_begin_ = 0;
  int preformatted_ = 0;
};

// An upper bound on how deep elements nest, from a scan of the tags (no parse): gumbo's tree construction
// takes time quadratic in the nesting depth (20,000 nested <div>s: 14 s), so deeper documents are refused.
// Elements that need no end tag (void elements, p, li, td, ...) and raw text (comments, script, style) do not
// count.
size_t approximate_nesting_depth(std::string_view html) {
  static constexpr std::string_view kNotNesting[] = {
      "area",   "base",     "br",    "col",   "embed",  "hr",       "img",     "input", "link", "meta",
      "source", "track",    "wbr",   "p",     "li",     "dt",       "dd",      "tr",    "td",   "th",
      "option", "optgroup", "thead", "tbody", "tfoot",  "colgroup", "caption", "rb",    "rt",   "rp",
      "html",   "head",     "body",  "param", "keygen", "basefont", "frame"};
  size_t depth = 0, deepest = 0;
  for (size_t at = html.find('<'); at != std::string_view::npos && at + 1 < html.size();
       at = html.find('<', at + 1)) {
    if (html.compare(at, 4, "<!--") == 0) {
      const size_t end = html.find("-->", at + 4);
      if (end == std::string_view::npos) break;
      at = end;
      continue;
    }
    const bool closing = html[at + 1] == '/';
    size_t name_begin = at + (closing ? 2 : 1), name_end = name_begin;
    while (name_end < html.size() && std::isalnum(static_cast<unsigned char>(html[name_end]))) ++name_end;
    if (name_end == name_begin) continue;
    std::string name(html.substr(name_begin, name_end - name_begin));
    std::transform(name.begin(), name.end(), name.begin(),
                   [](unsigned char c) { return char(std::tolower(c)); });
    const size_t tag_end = html.find('>', name_end);
    if (tag_end == std::string_view::npos) break;
    if (!closing && (name == "script" || name == "style" || name == "textarea" || name == "title")) {
      const size_t end = html.find("</", tag_end);  // raw text up to the next end tag
      if (end == std::string_view::npos) break;
      at = end;
      continue;
    }
    if (std::find(std::begin(kNotNesting), std::end(kNotNesting), name) != std::end(kNotNesting)) continue;
    if (html[tag_end - 1] == '/') continue;  // <x/>
    if (closing) {
      if (depth > 0) --depth;
    } else {
      deepest = std::max(deepest, ++depth);
    }
    at = tag_end;
  }
  return deepest;
}

}  // namespace

ExtractedDocument extract_html(std::string_view html) {
  if (const size_t depth = approximate_nesting_depth(html); depth > kMaxHtmlNesting)
    fail(ErrorKind::invalid_input, "HTML nests elements {} deep (more than {})", depth, kMaxHtmlNesting);
  const std::unique_ptr<GumboOutput, void (*)(GumboOutput*)> output(
      gumbo_parse_with_options(&kGumboDefaultOptions, html.data(), html.size()),
      [](GumboOutput* o) { gumbo_destroy_output(&kGumboDefaultOptions, o); });
  return Extractor().run(output->document);
}

}  // namespace chunkwise::ingest
