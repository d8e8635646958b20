#include "text/chunk/markdown_structure.h"

namespace chunkwise::text {

namespace {

bool is_blank(char c) {
  return c == ' ' || c == '\t';
}

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && (is_blank(s.front()) || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (is_blank(s.back()) || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// Drops up to three leading spaces; false if the line is indented by four or more (code, not a
// heading/fence).
bool strip_indent(std::string_view& line) {
  size_t spaces = 0;
  while (spaces < line.size() && line[spaces] == ' ') ++spaces;
  if (spaces > 3) return false;
  line.remove_prefix(spaces);
  return true;
}

struct Fence {
  char marker = 0;  // 0: not in a fenced block
  size_t length = 0;
};

// A fence line: three or more backticks or tildes; returns its marker and length, or marker 0.
Fence read_fence(std::string_view line) {
  if (!strip_indent(line) || line.empty() || (line[0] != '`' && line[0] != '~')) return {};
  size_t n = 0;
  while (n < line.size() && line[n] == line[0]) ++n;
  if (n < 3) return {};
  // A backtick fence's info string cannot contain a backtick.
  if (line[0] == '`' && line.substr(n).find('`') != std::string_view::npos) return {};
  return {line[0], n};
}

bool closes(const Fence& open, std::string_view line) {
  const Fence fence = read_fence(line);
  if (fence.marker != open.marker || fence.length < open.length) return false;
  std::string_view rest = line.substr(line.find(open.marker) + fence.length);
  return trim_blanks(rest).empty();
}

// Level 1-6 and title of an ATX heading line, or level 0.
int read_heading(std::string_view line, std::string_view& title) {
  if (!strip_indent(line)) return 0;
  size_t level = 0;
  while (level < line.size() && line[level] == '#') ++level;
  if (level == 0 || level > 6) return 0;
  std::string_view rest = line.substr(level);
  if (!rest.empty() && !is_blank(rest[0]) && rest[0] != '\r') return 0;
  rest = trim_blanks(rest);
  // An optional closing sequence: a run of '#' preceded by a blank (or making up the whole content).
  size_t hashes = rest.size();
  while (hashes > 0 && rest[hashes - 1] == '#') --hashes;
  if (hashes == 0) {
    rest = {};
  } else if (hashes < rest.size() && is_blank(rest[hashes - 1])) {
    rest = trim_blanks(rest.substr(0, hashes));
  }
  title = rest;
  return static_cast<int>(level);
}

}  // namespace

// A pipe-table row: its first non-blank character is '|'.
bool is_table_row(std::string_view line) {
  const std::string_view trimmed = trim_blanks(line);
  return !trimmed.empty() && trimmed[0] == '|';
}

DocumentStructure markdown_structure(std::string_view text) {
  DocumentStructure structure;
  Fence open;
  size_t fence_begin = 0;
  size_t table_begin = 0, table_end = 0, table_rows = 0;
  auto end_table = [&] {
    if (table_rows >= 2) structure.atomic_blocks.push_back({table_begin, table_end});
    table_rows = 0;
  };
  for (size_t begin = 0; begin < text.size();) {
    size_t end = text.find('\n', begin);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = text.substr(begin, end - begin);
    if (open.marker != 0) {
      if (closes(open, line)) {
        open = {};
        structure.atomic_blocks.push_back({fence_begin, end});
      }
    } else if (const Fence fence = read_fence(line); fence.marker != 0) {
      end_table();
      open = fence;
      fence_begin = begin;
    } else if (is_table_row(line)) {
      if (table_rows++ == 0) table_begin = begin;
      table_end = end;
    } else {
      end_table();
      std::string_view title;
      if (const int level = read_heading(line, title); level > 0)
        structure.headings.push_back({begin, level, std::string(title)});
    }
    begin = end + 1;
  }
  end_table();
  if (open.marker != 0) structure.atomic_blocks.push_back({fence_begin, text.size()});  // never closed
  return structure;
}

}  // namespace chunkwise::text
