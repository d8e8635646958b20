#include "text/jinja/lexer.h"

#include <cctype>
#include <charconv>
#include <cmath>

namespace chunkwise::text::jinja {
namespace {

bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
bool is_name_start(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}
bool is_name_char(char c) {
  return is_name_start(c) || is_digit(c);
}

void append_utf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

class Lexer {
 public:
  Lexer(std::string_view source, const LexerOptions& options) : src_(source), options_(options) {
    // Like Jinja's default keep_trailing_newline=False: one trailing newline of the template is dropped.
    if (!src_.empty() && src_.back() == '\n') src_.remove_suffix(1);
  }

  std::vector<Token> run() {
    enum class Strip { none, all, newline };
    Strip strip_next = Strip::none;  // what the previous tag asks of the text after it
    while (pos_ < src_.size()) {
      std::size_t open = find_tag(pos_);
      std::string_view text = src_.substr(pos_, open - pos_);
      std::size_t text_start = pos_;
      if (strip_next == Strip::all) {
        while (!text.empty() && is_space(text.front())) {
          text.remove_prefix(1);
          ++text_start;
        }
      } else if (strip_next == Strip::newline && !text.empty() && text.front() == '\n') {
        text.remove_prefix(1);
        ++text_start;
      }
      strip_next = Strip::none;
      if (open == src_.size()) {
        emit_text(text, text_start);
        break;
      }
      char kind = src_[open + 1];  // '{', '%' or '#'
      char modifier = open + 2 < src_.size() ? src_[open + 2] : '\0';
      if (modifier == '-') {
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
      } else if (options_.lstrip_blocks && kind != '{' && modifier != '+') {
        std::size_t i = text.size();
        while (i > 0 && (text[i - 1] == ' ' || text[i - 1] == '\t')) --i;
        bool at_line_start = i > 0 ? text[i - 1] == '\n' : text_start == 0 || src_[text_start - 1] == '\n';
        if (at_line_start) text = text.substr(0, i);
      }
      emit_text(text, text_start);
      pos_ = open + 2;
      if (modifier == '-' || modifier == '+') ++pos_;

      bool stripped_end = false;
      if (kind == '#') {
        std::size_t close = src_.find("#}", pos_);
        if (close == std::string_view::npos) fail_at(location(open), "unterminated comment");
        stripped_end = close > pos_ && src_[close - 1] == '-';
        pos_ = close + 2;
      } else {
        stripped_end = lex_tag(kind, open);
      }
      if (stripped_end) {
        strip_next = Strip::all;
      } else if (kind != '{' && options_.trim_blocks) {
        strip_next = Strip::newline;
      }
      if (kind == '%' && is_raw_open()) lex_raw(strip_next == Strip::all, strip_next == Strip::newline);
    }
    tokens_.push_back(Token{TokenKind::end, "", 0, 0, location(src_.size())});
    return std::move(tokens_);
  }

 private:
  std::size_t find_tag(std::size_t from) const {
    while (true) {
      std::size_t i = src_.find('{', from);
      if (i == std::string_view::npos || i + 1 >= src_.size()) return src_.size();
      char c = src_[i + 1];
      if (c == '{' || c == '%' || c == '#') return i;
      from = i + 1;
    }
  }

  Location location(std::size_t offset) {
    // Tokens are made in order, so the line count usually only moves forward.
    if (offset < line_scan_) line_ = 1, line_start_ = 0, line_scan_ = 0;
    while (line_scan_ < offset && line_scan_ < src_.size()) {
      if (src_[line_scan_] == '\n') {
        ++line_;
        line_start_ = line_scan_ + 1;
      }
      ++line_scan_;
    }
    return Location{line_, static_cast<int>(offset - line_start_) + 1};
  }

  void emit_text(std::string_view text, std::size_t start) {
    if (text.empty()) return;
    tokens_.push_back(Token{TokenKind::text, std::string(text), 0, 0, location(start)});
  }

  // Lexes the inside of a {{ }} or {% %} tag starting at pos_; returns whether the closing delimiter had '-'.
  bool lex_tag(char kind, std::size_t open) {
    bool expr = kind == '{';
    tokens_.push_back(Token{expr ? TokenKind::expr_open : TokenKind::stmt_open, "", 0, 0, location(open)});
    char close_char = expr ? '}' : '%';
    int brackets = 0;
    while (true) {
      while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      if (pos_ >= src_.size()) fail_at(location(open), "unterminated tag, expected '{}}}'", close_char);
      char c = src_[pos_];
      bool has_dash =
          c == '-' && pos_ + 2 < src_.size() && src_[pos_ + 1] == close_char && src_[pos_ + 2] == '}';
      bool plain_close = c == close_char && pos_ + 1 < src_.size() && src_[pos_ + 1] == '}';
      if ((has_dash || plain_close) && brackets == 0) {
        tokens_.push_back(
            Token{expr ? TokenKind::expr_close : TokenKind::stmt_close, "", 0, 0, location(pos_)});
        pos_ += has_dash ? 3 : 2;
        return has_dash;
      }
      std::size_t start = pos_;
      if (is_name_start(c)) {
        while (pos_ < src_.size() && is_name_char(src_[pos_])) ++pos_;
        tokens_.push_back(
            Token{TokenKind::name, std::string(src_.substr(start, pos_ - start)), 0, 0, location(start)});
      } else if (is_digit(c)) {
        lex_number();
      } else if (c == '\'' || c == '"') {
        lex_string();
      } else {
        static constexpr std::string_view two_char[] = {"//", "**", "==", "!=", "<=", ">="};
        std::string_view op;
        for (auto candidate : two_char) {
          if (src_.substr(pos_, 2) == candidate) op = candidate;
        }
        if (op.empty()) {
          static constexpr std::string_view singles = "+-*/%~<>=()[]{},.:|";
          if (singles.find(c) == std::string_view::npos) {
            fail_at(location(pos_), "unexpected character '{}' in tag", c);
          }
          op = src_.substr(pos_, 1);
        }
        if (op == "(" || op == "[" || op == "{") ++brackets;
        if ((op == ")" || op == "]" || op == "}") && brackets > 0) --brackets;
        pos_ += op.size();
        tokens_.push_back(Token{TokenKind::op, std::string(op), 0, 0, location(start)});
      }
    }
  }

  void lex_number() {
    std::size_t start = pos_;
    std::string digits;
    bool is_float = false;
    auto take_digits = [&] {
      while (pos_ < src_.size() && (is_digit(src_[pos_]) || (src_[pos_] == '_' && !digits.empty()))) {
        if (src_[pos_] != '_') digits += src_[pos_];
        ++pos_;
      }
    };
    take_digits();
    if (pos_ + 1 < src_.size() && src_[pos_] == '.' && is_digit(src_[pos_ + 1])) {
      is_float = true;
      digits += '.';
      ++pos_;
      take_digits();
    }
    if (pos_ < src_.size() && (src_[pos_] == 'e' || src_[pos_] == 'E')) {
      std::size_t save = pos_;
      std::string save_digits = digits;
      digits += 'e';
      ++pos_;
      if (pos_ < src_.size() && (src_[pos_] == '+' || src_[pos_] == '-')) digits += src_[pos_++];
      if (pos_ < src_.size() && is_digit(src_[pos_])) {
        is_float = true;
        take_digits();
      } else {
        pos_ = save;
        digits = save_digits;
      }
    }
    Token token{is_float ? TokenKind::floating : TokenKind::integer,
                std::string(src_.substr(start, pos_ - start)), 0, 0, location(start)};
    if (is_float) {
      token.float_value = std::strtod(digits.c_str(), nullptr);
      if (!std::isfinite(token.float_value)) fail_at(token.location, "number literal out of range");
    } else {
      auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), token.int_value);
      if (ec != std::errc() || ptr != digits.data() + digits.size()) {
        fail_at(token.location, "integer literal out of range");
      }
    }
    tokens_.push_back(std::move(token));
  }

  void lex_string() {
    std::size_t start = pos_;
    char quote = src_[pos_++];
    std::string value;
    while (true) {
      if (pos_ >= src_.size()) fail_at(location(start), "unterminated string literal");
      char c = src_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= src_.size()) fail_at(location(start), "unterminated string literal");
      char e = src_[pos_++];
      switch (e) {
        case 'n':
          value += '\n';
          break;
        case 't':
          value += '\t';
          break;
        case 'r':
          value += '\r';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'v':
          value += '\v';
          break;
        case '0':
          value += '\0';
          break;
        case '\\':
          value += '\\';
          break;
        case '\'':
          value += '\'';
          break;
        case '"':
          value += '"';
          break;
        case '\n':
          break;  // line continuation
        case 'x':
        case 'u':
        case 'U': {
          int count = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          for (int i = 0; i < count; ++i) {
            if (pos_ >= src_.size() || !std::isxdigit(static_cast<unsigned char>(src_[pos_]))) {
              fail_at(location(pos_), "invalid \\{} escape in string literal", e);
            }
            char h = src_[pos_++];
            cp = cp * 16 + static_cast<std::uint32_t>(is_digit(h) ? h - '0' : (h | 0x20) - 'a' + 10);
          }
          if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
            fail_at(location(pos_), "invalid code point in string literal");
          }
          append_utf8(value, cp);
          break;
        }
        default:  // Python keeps unknown escapes as written
          value += '\\';
          value += e;
      }
    }
    tokens_.push_back(Token{TokenKind::string, std::move(value), 0, 0, location(start)});
  }

  // Whether the statement tag just lexed is exactly `{% raw %}`.
  bool is_raw_open() const {
    std::size_t n = tokens_.size();
    return n >= 3 && tokens_[n - 3].kind == TokenKind::stmt_open && tokens_[n - 2].kind == TokenKind::name &&
           tokens_[n - 2].text == "raw" && tokens_[n - 1].kind == TokenKind::stmt_close;
  }

  // After `{% raw %}`: everything up to `{% endraw %}` is text.
  void lex_raw(bool strip_all, bool strip_newline) {
    Location raw_location = tokens_[tokens_.size() - 3].location;
    tokens_.resize(tokens_.size() - 3);
    std::size_t search = pos_;
    while (true) {
      std::size_t open = src_.find("{%", search);
      if (open == std::string_view::npos) fail_at(raw_location, "missing {{% endraw %}}");
      std::size_t i = open + 2;
      bool dash_open = i < src_.size() && src_[i] == '-';
      if (i < src_.size() && (src_[i] == '-' || src_[i] == '+')) ++i;
      while (i < src_.size() && is_space(src_[i])) ++i;
      if (src_.substr(i, 6) != "endraw") {
        search = open + 2;
        continue;
      }
      i += 6;
      while (i < src_.size() && is_space(src_[i])) ++i;
      bool dash_close = i < src_.size() && src_[i] == '-';
      if (dash_close) ++i;
      if (src_.substr(i, 2) != "%}") {
        search = open + 2;
        continue;
      }
      std::string_view text = src_.substr(pos_, open - pos_);
      std::size_t start = pos_;
      if (strip_all) {
        while (!text.empty() && is_space(text.front())) text.remove_prefix(1), ++start;
      } else if (strip_newline && !text.empty() && text.front() == '\n') {
        text.remove_prefix(1), ++start;
      }
      if (dash_open) {
        while (!text.empty() && is_space(text.back())) text.remove_suffix(1);
      }
      emit_text(text, start);
      pos_ = i + 2;
      if (dash_close) {
        while (pos_ < src_.size() && is_space(src_[pos_])) ++pos_;
      } else if (options_.trim_blocks && pos_ < src_.size() && src_[pos_] == '\n') {
        ++pos_;
      }
      return;
    }
  }

  std::string_view src_;
  LexerOptions options_;
  std::size_t pos_ = 0;
  std::vector<Token> tokens_;
  int line_ = 1;
  std::size_t line_start_ = 0;
  std::size_t line_scan_ = 0;
};

}  // namespace

std::vector<Token> tokenize(std::string_view source, const LexerOptions& options) {
  return Lexer(source, options).run();
}

}  // namespace chunkwise::text::jinja
