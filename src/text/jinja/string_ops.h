// String operations shared by filters and methods. Case mapping is ASCII only; other characters are kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace chunkwise::text::jinja {

// Position of `needle` in `haystack` at or after `from`, or npos; linear time even for long needles, and
// charged to the current render's work meter.
std::size_t find_text(std::string_view haystack, std::string_view needle, std::size_t from);

std::string ascii_upper(std::string_view s);
std::string ascii_lower(std::string_view s);
// Python str.capitalize() and Jinja's title filter.
std::string capitalize(std::string_view s);
std::string title_case(std::string_view s);

// Python str.strip/lstrip/rstrip: whitespace when `chars` is nullopt, else any byte of `chars`.
std::string_view strip(std::string_view s, const std::optional<std::string>& chars, bool left, bool right);
// Python str.split(sep, maxsplit); sep nullopt splits on runs of whitespace.
std::vector<std::string> split(std::string_view s, const std::optional<std::string>& sep, long long maxsplit);
// Python str.replace(old, new, count); throws if the result would exceed `max_bytes`.
std::string replace(std::string_view s, std::string_view from, std::string_view to, long long count,
                    std::size_t max_bytes);
// markupsafe.escape: & < > " '
std::string html_escape(std::string_view s);
// Python str.splitlines() for \n, \r\n and \r.
std::vector<std::string> split_lines(std::string_view s);

}  // namespace chunkwise::text::jinja
