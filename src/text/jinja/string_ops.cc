#include "text/jinja/string_ops.h"

#include "common/error.h"
#include "text/jinja/work_meter.h"

namespace chunkwise::text::jinja {
namespace {
bool is_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}
char to_upper(char c) {
  return c >= 'a' && c <= 'z' ? static_cast<char>(c - 32) : c;
}
char to_lower(char c) {
  return c >= 'A' && c <= 'Z' ? static_cast<char>(c + 32) : c;
}
}  // namespace

namespace {

std::size_t knuth_morris_pratt(std::string_view haystack, std::string_view needle, std::size_t from) {
  std::vector<std::size_t> border(needle.size(), 0);  // border[i]: longest proper border of needle[0..i]
  for (std::size_t i = 1, k = 0; i < needle.size(); ++i) {
    while (k > 0 && needle[i] != needle[k]) k = border[k - 1];
    if (needle[i] == needle[k]) ++k;
    border[i] = k;
  }
  for (std::size_t i = from, k = 0; i < haystack.size(); ++i) {
    while (k > 0 && haystack[i] != needle[k]) k = border[k - 1];
    if (haystack[i] == needle[k]) ++k;
    if (k == needle.size()) return i + 1 - needle.size();
  }
  return std::string_view::npos;
}

}  // namespace

std::size_t find_text(std::string_view haystack, std::string_view needle, std::size_t from) {
  if (from > haystack.size()) return std::string_view::npos;
  // Short needles: the library search (at most needle-size comparisons per position). Long ones:
  // Knuth-Morris- Pratt, linear in both lengths whatever the contents. The work charged is what was scanned.
  bool short_needle = needle.size() <= 32;
  std::size_t at = short_needle ? haystack.find(needle, from) : knuth_morris_pratt(haystack, needle, from);
  std::size_t scanned = (at == std::string_view::npos ? haystack.size() : at + needle.size()) - from;
  charge_work(1 + scanned / 64 * (short_needle ? 1 + needle.size() / 8 : 2) + needle.size() / 64);
  return at;
}

std::string ascii_upper(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_upper(c);
  return out;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = to_lower(c);
  return out;
}

std::string capitalize(std::string_view s) {
  std::string out = ascii_lower(s);
  if (!out.empty()) out[0] = to_upper(out[0]);
  return out;
}

std::string title_case(std::string_view s) {
  // Jinja: words begin after runs of whitespace, '-', '(', '{', '[' or '<'; each word is capitalized.
  std::string out;
  out.reserve(s.size());
  bool word_start = true;
  for (char c : s) {
    bool separator = is_space(c) || c == '-' || c == '(' || c == '{' || c == '[' || c == '<';
    if (separator) {
      out += c;
      word_start = true;
    } else {
      out += word_start ? to_upper(c) : to_lower(c);
      word_start = false;
    }
  }
  return out;
}

std::string_view strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right) {
  auto strippable = [&](char c) { return chars ? chars->find(c) != std::string::npos : is_space(c); };
  if (left) {
    while (!s.empty() && strippable(s.front())) s.remove_prefix(1);
  }
  if (right) {
    while (!s.empty() && strippable(s.back())) s.remove_suffix(1);
  }
  return s;
}

std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep,
                               long long maxsplit) {
  std::vector<std::string> out;
  if (!sep) {
    std::size_t i = 0;
    while (true) {
      while (i < s.size() && is_space(s[i])) ++i;
      if (i >= s.size()) break;
      if (maxsplit >= 0 && static_cast<long long>(out.size()) == maxsplit) {
        std::string_view rest = strip(s.substr(i), std::nullopt, false, true);
        out.emplace_back(rest);
        break;
      }
      std::size_t j = i;
      while (j < s.size() && !is_space(s[j])) ++j;
      out.emplace_back(s.substr(i, j - i));
      i = j;
    }
    return out;
  }
  if (sep->empty()) fail(ErrorKind::invalid_input, "empty separator");
  std::size_t start = 0;
  while (true) {
    std::size_t at = maxsplit >= 0 && static_cast<long long>(out.size()) == maxsplit
                         ? std::string_view::npos
                         : find_text(s, *sep, start);
    if (at == std::string_view::npos) {
      out.emplace_back(s.substr(start));
      return out;
    }
    out.emplace_back(s.substr(start, at - start));
    start = at + sep->size();
  }
}

std::string replace(std::string_view s, std::string_view from, std::string_view to, long long count,
                    std::size_t max_bytes) {
  std::string out;
  auto grow = [&](std::string_view piece) {
    if (out.size() + piece.size() > max_bytes) {
      fail(ErrorKind::invalid_input, "replace() result exceeds {} bytes", max_bytes);
    }
    out += piece;
  };
  long long done = 0;
  if (from.empty()) {
    // Python inserts `to` before every character and at the end.
    std::size_t i = 0;
    while (i <= s.size()) {
      if (count >= 0 && done >= count) {
        grow(s.substr(i));
        return out;
      }
      grow(to);
      ++done;
      if (i == s.size()) break;
      std::size_t n = 1;
      while (i + n < s.size() && (static_cast<unsigned char>(s[i + n]) & 0xC0) == 0x80) ++n;
      grow(s.substr(i, n));
      i += n;
    }
    return out;
  }
  std::size_t start = 0;
  while (true) {
    std::size_t at = count >= 0 && done >= count ? std::string_view::npos : find_text(s, from, start);
    if (at == std::string_view::npos) {
      grow(s.substr(start));
      return out;
    }
    grow(s.substr(start, at - start));
    grow(to);
    ++done;
    start = at + from.size();
  }
}

std::string html_escape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&#34;";
        break;
      case '\'':
        out += "&#39;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

std::vector<std::string> split_lines(std::string_view s) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      lines.emplace_back(s.substr(start, i - start));
      if (s[i] == '\r' && i + 1 < s.size() && s[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < s.size()) lines.emplace_back(s.substr(start));
  return lines;
}

}  // namespace chunkwise::text::jinja
