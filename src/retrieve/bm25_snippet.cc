#include "retrieve/bm25_snippet.h"

#include <algorithm>
#include <cstdint>

#include "common/error.h"

namespace chunkwise::retrieve {

namespace {

struct Span {
  size_t begin, end;  // bytes of the text
};

// A query term found at a token position (one per term: a token equal to two query terms is two matches).
struct Match {
  int position;
  size_t term;
};

// A tokenized chunk: its tokens' bytes, the query terms' matches in order of (position, term), and the
// positions that start a sentence.
struct TokenizedText {
  std::vector<Span> tokens;
  std::vector<Match> matches;
  std::vector<int> sentence_starts;
};

bool is_snippet_space(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

// Whether the token at byte `begin` follows whitespace that follows '.' or ':'.
bool starts_sentence(std::string_view text, size_t begin) {
  size_t i = begin;
  while (i > 0 && is_snippet_space(text[i - 1])) --i;
  return i != begin && i > 0 && (text[i - 1] == '.' || text[i - 1] == ':');
}

TokenizedText tokenize(store::Fts5Tokenizer& tokenizer, std::string_view text,
                       const std::vector<std::string>& terms) {
  TokenizedText out;
  tokenizer.tokenize(text, [&](const store::Fts5Token& token) {
    if (!token.colocated) {
      const auto position = static_cast<int>(out.tokens.size());
      out.tokens.push_back({token.begin, token.end});
      if (position == 0 || starts_sentence(text, token.begin)) out.sentence_starts.push_back(position);
    }
    if (out.tokens.empty()) return;  // a colocated token with nothing before it has no position
    const int position = static_cast<int>(out.tokens.size()) - 1;
    for (size_t t = 0; t < terms.size(); ++t)
      if (token.term == terms[t]) out.matches.push_back({position, t});
  });
  // A colocated token's matches come after its position's own: keep (position, term) order.
  std::stable_sort(out.matches.begin(), out.matches.end(), [](const Match& a, const Match& b) {
    return a.position != b.position ? a.position < b.position : a.term < b.term;
  });
  return out;
}

struct WindowScore {
  int score = 0;
  int first = -1;  // the first and one past the last matched position in the window
  int last = 0;
};

// `seen` has a flag per query term (scratch, reset here).
WindowScore score_window(const TokenizedText& text, std::vector<bool>& seen, int start, int length) {
  std::fill(seen.begin(), seen.end(), false);
  WindowScore out;
  const int64_t end = int64_t{start} + length;
  for (const Match& match : text.matches) {
    if (match.position < start || match.position >= end) continue;
    out.score += seen[match.term] ? 1 : 1000;
    seen[match.term] = true;
    if (out.first < 0) out.first = match.position;
    out.last = match.position + 1;
  }
  return out;
}

// The first position of the best window (see the header).
int best_window(const TokenizedText& text, size_t term_count, int length) {
  const auto size = static_cast<int>(text.tokens.size());
  int best_score = 0, best_start = 0;
  std::vector<bool> seen(term_count);
  for (const Match& match : text.matches) {
    const WindowScore around = score_window(text, seen, match.position, length);
    if (around.score > best_score) {
      int start = around.first - (length - (around.last - around.first)) / 2;
      if (start + length > size) start = size - length;
      best_score = around.score;
      best_start = std::max(start, 0);
    }
    if (!text.sentence_starts.empty() && size > length) {
      // The last sentence start at or before the match.
      const auto after =
          std::upper_bound(text.sentence_starts.begin(), text.sentence_starts.end(), match.position);
      const int sentence =
          after == text.sentence_starts.begin() ? text.sentence_starts.front() : *(after - 1);
      if (sentence < match.position) {
        const int score = score_window(text, seen, sentence, length).score + (sentence == 0 ? 120 : 100);
        if (score > best_score) {
          best_score = score;
          best_start = sentence;
        }
      }
    }
  }
  return best_start;
}

}  // namespace

std::string fts5_snippet(store::Fts5Tokenizer& tokenizer, std::string_view text,
                         const std::vector<std::string>& terms, const SnippetFormat& format) {
  if (format.tokens < 2 || format.tokens > 64)
    fail(ErrorKind::internal, "snippet length {} tokens: want 2..64", format.tokens);
  const TokenizedText tokenized = tokenize(tokenizer, text, terms);
  const auto size = static_cast<int>(tokenized.tokens.size());
  const int start = best_window(tokenized, terms.size(), format.tokens);
  const int last = start + format.tokens - 1;

  std::string out;
  if (start > 0) out += format.ellipsis;
  size_t copied = start > 0 && start < size ? tokenized.tokens[static_cast<size_t>(start)].begin : 0;
  auto match = std::lower_bound(tokenized.matches.begin(), tokenized.matches.end(), start,
                                [](const Match& m, int position) { return m.position < position; });
  for (int position = start; position <= last && position < size; ++position) {
    const Span token = tokenized.tokens[static_cast<size_t>(position)];
    if (match != tokenized.matches.end() && match->position == position) {
      out.append(text.substr(copied, token.begin - copied));
      out += format.open;
      out.append(text.substr(token.begin, token.end - token.begin));
      out += format.close;
      copied = token.end;
      while (match != tokenized.matches.end() && match->position == position) ++match;
    }
    if (position == last) {
      out.append(text.substr(copied, token.end - copied));
      copied = token.end;
    }
  }
  if (last >= size - 1)
    out.append(text.substr(copied));
  else
    out += format.ellipsis;
  return out;
}

}  // namespace chunkwise::retrieve
