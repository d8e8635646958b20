// Fuzzes the document path of ingest: arbitrary bytes are a file's contents. They go through what ingest does
// to a file (binary detection and UTF-8 repair in decode_text, Markdown structure, chunk_text with the token,
// sentence and recursive chunkers at a few small sizes and overlaps picked from the first and last bytes),
// with no file system and no catalog. Every promise of those stages is checked and a broken one traps, so the
// fuzzer finds logic bugs as well as crashes:
//   decode_text: binary iff a NUL in the first 8 KiB or more than 10% replacements; otherwise valid UTF-8,
//     equal to an independent maximal-subpart (WHATWG) repair, with the same replacement count; idempotent.
//   markdown_structure: headings in order, each at a line start that really is an ATX heading of its level,
//     titles valid UTF-8 slices of their line without surrounding blanks.
//   every chunker: chunks in order of begin (and of end), text == source slice, non-empty, valid UTF-8,
//     token count = count_words, headings path and page as the structure says, every non-whitespace code
//     point covered; no chunks for blank text (but see the recursive chunker at size 1).
//   token chunker: exactly the windows of `size` words stepping `size - overlap` (an independent model).
//   sentence chunker: at most `size` words a chunk, no White_Space at either end.
//   structure chunker: no White_Space at either end, no chunk boundary inside a table or code block.
//   recursive chunker: at most `size` code points, trimmed of White_Space (a size-1 chunk is one code point,
//     kept whole as LangChain keeps it), at most `overlap` code points shared with the previous chunk.
//   semantic and perplexity chunkers (with fake models whose vectors and scores are hashes of the text, NaN
//     now and then): at most `size` words a chunk, trimmed, no overlap.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/error.h"
#include "ingest/ingester.h"
#include "ingest/text_file.h"
#include "text/chunk/chunker.h"
#include "text/chunk/markdown_structure.h"
#include "text/tokenizer/unicode_text.h"

namespace {

using chunkwise::text::Chunk;
using chunkwise::text::Chunker;
using chunkwise::text::DocumentStructure;
using chunkwise::text::Heading;

[[noreturn]] void violated(const char* what) {
  std::fprintf(stderr, "document_chunk_fuzz: invariant violated: %s\n", what);
  __builtin_trap();
}

#define CHECK(cond)               \
  do {                            \
    if (!(cond)) violated(#cond); \
  } while (0)

const char* const kReplacement = "\xEF\xBF\xBD";

// The WHATWG UTF-8 decoder (= Unicode's "maximal subpart" practice, Python's errors="replace"): valid
// sequences copied, each maximal invalid subpart replaced by one U+FFFD. Written independently of
// unicode_text.cc.
std::string reference_repair(std::string_view bytes, size_t& replaced) {
  std::string out;
  replaced = 0;
  size_t needed = 0, seen = 0, start = 0;
  unsigned lower = 0x80, upper = 0xBF;
  for (size_t i = 0; i < bytes.size();) {
    const unsigned b = static_cast<unsigned char>(bytes[i]);
    if (needed == 0) {
      start = i++;
      if (b <= 0x7F) {
        out.push_back(static_cast<char>(b));
      } else if (b >= 0xC2 && b <= 0xDF) {
        needed = 1;
      } else if (b >= 0xE0 && b <= 0xEF) {
        if (b == 0xE0) lower = 0xA0;
        if (b == 0xED) upper = 0x9F;
        needed = 2;
      } else if (b >= 0xF0 && b <= 0xF4) {
        if (b == 0xF0) lower = 0x90;
        if (b == 0xF4) upper = 0x8F;
        needed = 3;
      } else {
        out += kReplacement;
        ++replaced;
      }
      continue;
    }
    if (b < lower || b > upper) {  // the subpart so far is replaced; b is looked at again as a new start
      needed = seen = 0;
      lower = 0x80, upper = 0xBF;
      out += kReplacement;
      ++replaced;
      continue;
    }
    lower = 0x80, upper = 0xBF;
    ++i;
    if (++seen == needed) {
      out.append(bytes.substr(start, i - start));
      needed = seen = 0;
    }
  }
  if (needed != 0) {
    out += kReplacement;
    ++replaced;
  }
  return out;
}

bool reference_valid(std::string_view bytes) {
  size_t replaced;
  reference_repair(bytes, replaced);
  return replaced == 0;
}

bool is_continuation(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

size_t code_points(std::string_view s) {
  size_t n = 0;
  for (char c : s) n += !is_continuation(c);
  return n;
}

bool whitespace_at(std::string_view text, size_t pos) {
  return chunkwise::text::is_whitespace(chunkwise::text::next_code_point(text, pos));
}

// Start of the code point that ends at `end` (end > 0, on a boundary).
size_t previous_start(std::string_view text, size_t end) {
  size_t at = end - 1;
  while (at > 0 && is_continuation(text[at])) --at;
  return at;
}

bool is_boundary(std::string_view text, size_t at) {
  return at == text.size() || (at < text.size() && !is_continuation(text[at]));
}

// The words of `text` (maximal runs of non-White_Space code points), found independently of split_words.
std::vector<std::pair<size_t, size_t>> reference_words(std::string_view text) {
  std::vector<std::pair<size_t, size_t>> words;
  size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && whitespace_at(text, pos)) chunkwise::text::next_code_point(text, pos);
    if (pos == text.size()) break;
    const size_t begin = pos;
    while (pos < text.size() && !whitespace_at(text, pos)) chunkwise::text::next_code_point(text, pos);
    words.emplace_back(begin, pos);
  }
  return words;
}

void check_decoded(std::string_view bytes, const chunkwise::ingest::DecodedText& decoded) {
  size_t replaced = 0;
  const std::string repaired = reference_repair(bytes, replaced);
  const bool nul = bytes.substr(0, 8192).find('\0') != std::string_view::npos;
  if (nul) {
    CHECK(decoded.binary && decoded.text.empty());
    return;
  }
  CHECK(decoded.replaced == replaced);
  CHECK(decoded.binary == (replaced * 10 > bytes.size()));
  if (decoded.binary) {
    CHECK(decoded.text.empty());
    return;
  }
  CHECK(decoded.text == repaired);
  CHECK(chunkwise::text::is_valid_utf8(decoded.text));
  if (replaced == 0) CHECK(decoded.text == bytes);
  // Repair never moves a byte earlier, so no NUL enters the first 8 KiB: decoding again changes nothing.
  const auto again = chunkwise::ingest::decode_text(decoded.text);
  CHECK(!again.binary && again.replaced == 0 && again.text == decoded.text);
}

void check_structure(std::string_view text, const DocumentStructure& structure) {
  size_t previous = 0;
  for (size_t i = 0; i < structure.headings.size(); ++i) {
    const Heading& h = structure.headings[i];
    CHECK(i == 0 || h.begin > previous);
    previous = h.begin;
    CHECK(h.begin < text.size());
    CHECK(h.begin == 0 || text[h.begin - 1] == '\n');
    CHECK(h.level >= 1 && h.level <= 6);
    size_t line_end = text.find('\n', h.begin);
    if (line_end == std::string_view::npos) line_end = text.size();
    std::string_view line = text.substr(h.begin, line_end - h.begin);
    size_t spaces = 0;
    while (spaces < line.size() && line[spaces] == ' ') ++spaces;
    CHECK(spaces <= 3);
    line.remove_prefix(spaces);
    CHECK(line.size() >= static_cast<size_t>(h.level));
    for (int k = 0; k < h.level; ++k) CHECK(line[k] == '#');
    CHECK(line.size() == static_cast<size_t>(h.level) || line[h.level] == ' ' || line[h.level] == '\t' ||
          line[h.level] == '\r');
    CHECK(chunkwise::text::is_valid_utf8(h.title));
    if (!h.title.empty()) {
      CHECK(line.substr(h.level).find(h.title) != std::string_view::npos);
      for (char c : {h.title.front(), h.title.back()}) CHECK(c != ' ' && c != '\t' && c != '\r');
    }
    CHECK(h.title.find('\n') == std::string::npos);
  }
  // Atomic blocks (fenced code, pipe tables): in order, not overlapping, inside the text, no heading inside.
  size_t block_end = 0;
  for (const auto& block : structure.atomic_blocks) {
    CHECK(block.begin >= block_end && block.begin < block.end && block.end <= text.size());
    CHECK(block.begin == 0 || text[block.begin - 1] == '\n');
    for (const Heading& h : structure.headings) CHECK(h.begin < block.begin || h.begin >= block.end);
    block_end = block.end;
  }
}

// The headings path in effect at a position, for positions that never decrease (chunk begins): the stack of
// enclosing headings, outermost first.
class ReferencePath {
 public:
  explicit ReferencePath(const DocumentStructure& structure) : headings_(structure.headings) {}
  std::vector<std::string> at(size_t position) {
    for (; next_ < headings_.size() && headings_[next_].begin <= position; ++next_) {
      while (!stack_.empty() && stack_.back()->level >= headings_[next_].level) stack_.pop_back();
      stack_.push_back(&headings_[next_]);
    }
    std::vector<std::string> path;
    for (const Heading* h : stack_) path.push_back(h->title);
    return path;
  }

 private:
  const std::vector<Heading>& headings_;
  size_t next_ = 0;
  std::vector<const Heading*> stack_;
};

// What every chunker promises.
void check_common(std::string_view text, const DocumentStructure& structure,
                  const std::vector<Chunk>& chunks) {
  std::vector<bool> covered(text.size(), false);
  ReferencePath path(structure);
  size_t page = 0;
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    CHECK(c.begin < c.end && c.end <= text.size());
    CHECK(is_boundary(text, c.begin) && is_boundary(text, c.end));
    CHECK(c.text == text.substr(c.begin, c.end - c.begin));
    CHECK(chunkwise::text::is_valid_utf8(c.text));
    CHECK(c.token_count == chunkwise::text::count_words(c.text));
    if (i > 0) CHECK(c.begin >= chunks[i - 1].begin && c.end >= chunks[i - 1].end);
    CHECK(c.headings == path.at(c.begin));  // begins never decrease (checked above)
    while (page < structure.page_starts.size() && structure.page_starts[page] <= c.begin) ++page;
    CHECK(c.page == static_cast<int>(page));
    for (size_t at = c.begin; at < c.end; ++at) covered[at] = true;
  }
  for (size_t pos = 0; pos < text.size();) {
    const size_t at = pos;
    if (!chunkwise::text::is_whitespace(chunkwise::text::next_code_point(text, pos))) CHECK(covered[at]);
  }
}

void check_token(std::string_view text, size_t size, size_t overlap, const std::vector<Chunk>& chunks) {
  const auto words = reference_words(text);
  size_t n = 0;
  for (size_t first = 0; first < words.size(); first += size - overlap, ++n) {
    const size_t last = std::min(first + size, words.size()) - 1;
    CHECK(n < chunks.size());
    CHECK(chunks[n].begin == words[first].first && chunks[n].end == words[last].second);
    CHECK(chunks[n].token_count == last - first + 1);
    if (last + 1 == words.size()) {
      ++n;
      break;
    }
  }
  CHECK(n == chunks.size());
}

void check_recursive(std::string_view text, size_t size, size_t overlap, const std::vector<Chunk>& chunks) {
  for (size_t i = 0; i < chunks.size(); ++i) {
    const Chunk& c = chunks[i];
    const size_t length = code_points(c.text);
    CHECK(length <= size);
    if (size > 1) {  // trimmed; with size 1 a lone (maybe White_Space) code point is kept as it is
      CHECK(!whitespace_at(text, c.begin));
      CHECK(!whitespace_at(text, previous_start(text, c.end)));
    } else {
      CHECK(length == 1);
    }
    if (i > 0 && c.begin < chunks[i - 1].end)
      CHECK(code_points(text.substr(c.begin, chunks[i - 1].end - c.begin)) <= overlap);
  }
}

// Sentence chunker: at most `size` words a chunk, trimmed of White_Space (coverage of every non-space code
// point is check_common's).
void check_sentence(std::string_view text, size_t size, const std::vector<Chunk>& chunks) {
  for (const Chunk& c : chunks) {
    CHECK(c.token_count <= size);
    CHECK(!whitespace_at(text, c.begin));
    CHECK(!whitespace_at(text, previous_start(text, c.end)));
  }
}

// Structure chunker: trimmed, and no chunk boundary falls strictly inside an atomic block (table, code).
void check_structure_chunks(std::string_view text, const DocumentStructure& structure,
                            const std::vector<Chunk>& chunks) {
  for (const Chunk& c : chunks) {
    CHECK(!whitespace_at(text, c.begin));
    CHECK(!whitespace_at(text, previous_start(text, c.end)));
    for (auto block : structure.atomic_blocks) {
      // The block without White_Space at its ends (chunks are trimmed, so they may stop before it).
      while (block.begin < block.end && whitespace_at(text, block.begin)) {
        size_t pos = block.begin;
        chunkwise::text::next_code_point(text, pos);
        block.begin = pos;
      }
      while (block.end > block.begin && whitespace_at(text, previous_start(text, block.end)))
        block.end = previous_start(text, block.end);
      CHECK(!(c.begin > block.begin && c.begin < block.end));
      CHECK(!(c.end > block.begin && c.end < block.end));
    }
  }
}

uint64_t fnv(std::string_view bytes) {
  uint64_t hash = 0xcbf29ce484222325ull;
  for (const char c : bytes) hash = (hash ^ static_cast<unsigned char>(c)) * 0x100000001b3ull;
  return hash;
}

// Vectors of 3 values from a hash of the text: zero vectors and NaN now and then.
class HashEncoder : public chunkwise::text::SentenceEncoder {
 public:
  std::vector<std::vector<float>> embed(std::span<const std::string> texts) const override {
    std::vector<std::vector<float>> out;
    for (const std::string& t : texts) {
      const uint64_t h = fnv(t);
      std::vector<float> v{float(h % 5) - 2, float((h >> 8) % 5) - 2, float((h >> 16) % 3)};
      if (h % 23 == 0) v[1] = std::numeric_limits<float>::quiet_NaN();
      out.push_back(v);
    }
    return out;
  }
  std::string describe() const override { return "hash"; }
};

class HashScorer : public chunkwise::text::PerplexityScorer {
 public:
  std::vector<double> log_perplexities(std::string_view text,
                                       std::span<const chunkwise::text::Span> units) const override {
    std::vector<double> out;
    for (const auto& u : units) {
      CHECK(u.begin < u.end && u.end <= text.size());
      const uint64_t h = fnv(text.substr(u.begin, u.end - u.begin));
      out.push_back(h % 19 == 0 ? std::numeric_limits<double>::quiet_NaN() : double(h % 7) * 0.5);
    }
    return out;
  }
  std::string describe() const override { return "hash"; }
};

const chunkwise::text::ChunkerModels kModels{std::make_shared<HashEncoder>(), std::make_shared<HashScorer>()};

std::vector<Chunk> run_chunker(const chunkwise::text::ChunkerConfig& config, std::string_view text,
                               const DocumentStructure& structure, bool markdown) {
  std::vector<Chunk> chunks;
  try {
    const std::unique_ptr<Chunker> chunker = chunkwise::text::make_chunker(config, kModels);
    chunkwise::ingest::ExtractedDocument document;
    document.text = std::string(text);
    if (markdown) document.structure = structure;
    chunks = chunkwise::ingest::chunk_text(*chunker, document);
  } catch (const chunkwise::Error&) {
    violated("a chunker threw on valid settings and valid UTF-8");
  }
  check_common(text, markdown ? structure : DocumentStructure{}, chunks);
  // Blank text gives no chunks, except that the recursive chunker at size 1 keeps every lone code point,
  // White_Space included, as LangChain does ("    " gives four " " chunks).
  if (reference_words(text).empty() && (config.name == "token" || config.size > 1)) CHECK(chunks.empty());
  const size_t size = config.size, overlap = config.overlap;
  if (config.name == "token")
    check_token(text, size, overlap, chunks);
  else if (config.name == "semantic" || config.name == "perplexity") {
    check_sentence(text, size, chunks);
    for (size_t i = 1; i < chunks.size(); ++i) CHECK(chunks[i].begin >= chunks[i - 1].end);
  } else if (config.name == "sentence")
    check_sentence(text, size, chunks);
  else if (config.name == "structure")
    check_structure_chunks(text, markdown ? structure : DocumentStructure{}, chunks);
  else
    check_recursive(text, size, overlap, chunks);
  return chunks;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);

  // The chunkers refuse exactly the inputs that are not valid UTF-8.
  CHECK(chunkwise::text::is_valid_utf8(bytes) == reference_valid(bytes));

  const chunkwise::ingest::DecodedText decoded = chunkwise::ingest::decode_text(std::string(bytes));
  check_decoded(bytes, decoded);
  if (decoded.binary) return 0;
  const std::string_view text = decoded.text;

  const DocumentStructure structure = chunkwise::text::markdown_structure(text);
  check_structure(text, structure);

  // Settings from the first and last bytes (they stay part of the document, so seeds remain real files).
  const unsigned a = size > 0 ? data[0] : 0, b = size > 0 ? data[size - 1] : 0;
  const size_t token_size = 1 + a % 7, recursive_size = 2 + (a >> 3) % 40;
  const chunkwise::text::ChunkerConfig configs[] = {
      {"token", 1, 0, true},
      {"token", token_size, b % token_size, true},
      {"recursive", 1, 0, true},
      {"recursive", 3, 2, true},
      {"recursive", recursive_size, b % recursive_size, true},
      {"sentence", token_size, b % token_size, true},
      {"structure", token_size, 0, true},
      {.name = "semantic", .size = token_size, .window = b % 3, .percentile = double(a % 101)},
      {.name = "semantic", .size = 2 + a % 30, .similarity = double(b % 21) / 10 - 1},
      {.name = "perplexity", .size = token_size, .perplexity_threshold = double(b % 4) * 0.5},
      {.name = "perplexity", .size = 2 + a % 30},
  };
  // One chunk per word or code point is slow on long texts; those get the other settings only.
  for (const auto& config : configs)
    if (config.size > 1 || text.size() <= 2048) run_chunker(config, text, structure, true);
  run_chunker(configs[4], text, structure, false);
  run_chunker(configs[5], text, structure, false);
  run_chunker(configs[6], text, structure, true);

  // Pages (as the PDF path will give them): a page starts at 0 and after every form feed.
  DocumentStructure paged = structure;
  paged.page_starts.push_back(0);
  for (size_t at = text.find('\f'); at != std::string_view::npos; at = text.find('\f', at + 1))
    paged.page_starts.push_back(at + 1);
  try {
    const auto chunker = chunkwise::text::make_chunker(configs[1]);
    const auto chunks = chunker->chunk(text, paged);
    check_common(text, paged, chunks);
  } catch (const chunkwise::Error&) {
    violated("a chunker threw on valid settings and valid UTF-8");
  }
  return 0;
}
