#include "text/chunk/sentence_chunker.h"

#include <fmt/format.h>
#include <unicode/brkiter.h>
#include <unicode/locid.h>
#include <unicode/utext.h>

#include <algorithm>
#include <array>
#include <memory>

#include "common/error.h"
#include "text/chunk/token_chunker.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

// Abbreviations after which a sentence goes on when a digit or a lower-case letter follows.
constexpr std::array<std::string_view, 24> kAbbreviations = {
    "fig", "figs", "no", "nos", "vol", "vols", "p",   "pp",   "ch",  "sec", "eq",   "approx",
    "etc", "cf",   "vs", "al",  "ed",  "eds",  "ref", "refs", "art", "tab", "dept", "est"};

// Titles and company suffixes that come before a name: a sentence goes on after them when an upper-case
// letter follows ("Dr. Smith").
constexpr std::array<std::string_view, 22> kTitles = {
    "mr", "mrs", "ms",   "dr",  "prof", "sr",  "jr",  "st",  "mt",   "gen", "col",
    "lt", "sgt", "capt", "rev", "hon",  "gov", "sen", "rep", "pres", "mme", "mlle"};

std::string ascii_lower(std::string_view word) {
  std::string lower;
  for (char c : word) lower += char(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  return lower;
}

bool is_ascii_lower(char c) {
  return c >= 'a' && c <= 'z';
}
bool is_ascii_upper(char c) {
  return c >= 'A' && c <= 'Z';
}
bool is_digit(char c) {
  return c >= '0' && c <= '9';
}

// Whether ICU's break at `at` (the start of the next sentence) should be dropped, judging by the word that
// ends before it and the character that starts after it.
bool continues_sentence(std::string_view text, size_t at) {
  size_t end = at;
  while (end > 0 &&
         (text[end - 1] == ' ' || text[end - 1] == '\n' || text[end - 1] == '\t' || text[end - 1] == '\r'))
    --end;
  if (end == 0 || text[end - 1] != '.') return false;
  const bool paragraph = text.substr(end, at - end).find("\n\n") != std::string_view::npos;
  if (paragraph) return false;
  size_t word = end - 1;
  while (word > 0 && text[word - 1] != ' ' && text[word - 1] != '\n' && text[word - 1] != '\t' &&
         text[word - 1] != '(')
    --word;
  const std::string_view last = text.substr(word, end - 1 - word);  // without the final '.'
  const char next = at < text.size() ? text[at] : '\0';
  // An initial: one upper-case letter ("J." in "J. R. R. Tolkien"), followed by an upper-case letter.
  if (last.size() == 1 && is_ascii_upper(last[0]) && is_ascii_upper(next)) return true;
  if (is_ascii_lower(next)) return true;  // a sentence does not start in lower case
  const std::string lower = ascii_lower(last);
  if (is_ascii_upper(next)) return std::ranges::find(kTitles, std::string_view(lower)) != kTitles.end();
  if (is_digit(next))
    return std::ranges::find(kAbbreviations, std::string_view(lower)) != kAbbreviations.end();
  return false;
}

std::unique_ptr<icu::BreakIterator> sentence_iterator() {
  UErrorCode status = U_ZERO_ERROR;
  std::unique_ptr<icu::BreakIterator> iterator(
      icu::BreakIterator::createSentenceInstance(icu::Locale("en@ss=standard"), status));
  if (U_FAILURE(status) || !iterator)
    fail(ErrorKind::internal, "ICU sentence break iterator: {}", u_errorName(status));
  return iterator;
}

}  // namespace

std::vector<Span> split_sentences(std::string_view text) {
  std::vector<Span> sentences;
  if (text.empty()) return sentences;
  thread_local std::unique_ptr<icu::BreakIterator> iterator = sentence_iterator();
  UErrorCode status = U_ZERO_ERROR;
  UText* utext = utext_openUTF8(nullptr, text.data(), int64_t(text.size()), &status);
  if (U_FAILURE(status)) fail(ErrorKind::internal, "ICU utext_openUTF8: {}", u_errorName(status));
  iterator->setText(utext, status);
  if (U_FAILURE(status)) {
    utext_close(utext);
    fail(ErrorKind::internal, "ICU setText: {}", u_errorName(status));
  }
  size_t begin = 0;
  for (int32_t at = iterator->next(); at != icu::BreakIterator::DONE; at = iterator->next()) {
    const auto boundary = size_t(at);  // native indexes of a UTF-8 UText are byte offsets
    if (boundary < text.size() && continues_sentence(text, boundary)) continue;
    const Span sentence = trim_white_space(text, {begin, boundary});
    if (sentence.end > sentence.begin) sentences.push_back(sentence);
    begin = boundary;
  }
  utext_close(utext);
  // ICU sees the text through the UText only during the loop above; drop the reference.
  iterator->setText(icu::UnicodeString());
  return sentences;
}

std::vector<SentenceUnit> sentence_units(std::string_view text, size_t max_words) {
  return sentence_units(text, TextMasks(text), max_words);
}

std::vector<SentenceUnit> sentence_units(std::string_view text, const TextMasks& masks, size_t max_words) {
  return sentence_units(text, masks, {0, text.size()}, max_words);
}

std::vector<SentenceUnit> sentence_units(std::string_view text, const TextMasks& masks, Span within,
                                         size_t max_words) {
  if (max_words == 0) fail(ErrorKind::invalid_input, "sentence units need a word limit above 0");
  std::vector<SentenceUnit> units;
  for (Span sentence : split_sentences(text.substr(within.begin, within.end - within.begin))) {
    sentence = {within.begin + sentence.begin, within.begin + sentence.end};
    const size_t words = masks.words(sentence);
    if (words <= max_words) {
      units.push_back({sentence, words, false});
      continue;
    }
    const std::string_view sentence_text = text.substr(sentence.begin, sentence.end - sentence.begin);
    const std::vector<Span> word_spans = split_words(sentence_text);
    for (size_t first = 0; first < word_spans.size(); first += max_words) {
      const size_t last = std::min(first + max_words, word_spans.size()) - 1;
      units.push_back({{sentence.begin + word_spans[first].begin, sentence.begin + word_spans[last].end},
                       last - first + 1,
                       true});
    }
  }
  return units;
}

std::vector<Span> pack_sentence_units(const std::vector<SentenceUnit>& units, size_t size, size_t overlap) {
  std::vector<Span> spans;
  size_t first = 0;
  while (first < units.size()) {
    size_t last = first, words = units[first].words;
    while (last + 1 < units.size() && words + units[last + 1].words <= size) words += units[++last].words;
    spans.push_back({units[first].span.begin, units[last].span.end});
    if (last + 1 == units.size()) break;
    // The next chunk starts with the trailing whole sentences of this one that fit in the overlap, but always
    // moves forward by at least one unit.
    size_t next = last + 1, overlap_words = 0;
    while (next - 1 > first && !units[next - 1].piece && overlap_words + units[next - 1].words <= overlap) {
      overlap_words += units[next - 1].words;
      --next;
    }
    first = next;
  }
  return spans;
}

SentenceChunker::SentenceChunker(size_t size, size_t overlap) : size_(size), overlap_(overlap) {
  if (size == 0 || overlap >= size)
    fail(ErrorKind::invalid_input, "sentence chunker: bad size {} / overlap {}", size, overlap);
}

std::string SentenceChunker::describe() const {
  return fmt::format("sentence size={} overlap={} unit=words", size_, overlap_);
}

std::vector<Span> SentenceChunker::split(std::string_view text, const TextMasks& masks,
                                         const DocumentStructure&) const {
  return pack_sentence_units(sentence_units(text, masks, size_), size_, overlap_);
}

}  // namespace chunkwise::text
