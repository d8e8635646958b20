// BPE as Hugging Face `tokenizers` runs it: a word starts as one symbol per character (unknown characters
// become <0xAB> byte tokens with byte_fallback, else the unk token, fused if fuse_unk), then the adjacent
// pair with the lowest merge rank is merged, leftmost first, until no pair can merge.
#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <nlohmann/json.hpp>
#include <span>

#include "common/error.h"
#include "text/tokenizer/byte_level_alphabet.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/models.h"
#include "text/tokenizer/string_id_table.h"
#include "text/tokenizer/unicode_text.h"
#include "text/tokenizer/vocabulary.h"

namespace chunkwise::text {

namespace {

struct Symbol {
  TokenId id;
  int32_t prev;
  int32_t next;
  uint32_t length;  // bytes of the word it covers; 0 once merged into its left neighbour
};

// Per-thread cache of encoded words (HF caches words too): direct-mapped, so a colliding word just replaces
// the slot. Each thread's cache belongs to one model at a time (by serial number) and is cleared when the
// thread encodes with another model, so concurrent encode_batch needs no locks.
class WordCache {
 public:
  static constexpr size_t kSlots = 8192;
  static constexpr size_t kMaxWordLength = 48;

  static WordCache& for_model(uint64_t serial) {
    thread_local WordCache cache;
    if (cache.owner_ != serial) {
      cache.owner_ = serial;
      for (Slot& slot : cache.slots_) slot.word.clear();
    }
    return cache;
  }
  bool lookup(std::string_view word, uint64_t hash, std::vector<TokenId>& ids) const {
    const Slot& slot = slots_[hash & (kSlots - 1)];
    if (slot.word.empty() || slot.word != word) return false;
    ids.insert(ids.end(), slot.ids.begin(), slot.ids.end());
    return true;
  }
  void store(std::string_view word, uint64_t hash, std::span<const TokenId> ids) {
    Slot& slot = slots_[hash & (kSlots - 1)];
    slot.word.assign(word);
    slot.ids.assign(ids.begin(), ids.end());
  }

 private:
  struct Slot {
    std::string word;
    std::vector<TokenId> ids;
  };
  uint64_t owner_ = 0;
  std::vector<Slot> slots_ = std::vector<Slot>(kSlots);
};

std::atomic<uint64_t> next_model_serial{1};

struct PendingMerge {
  int32_t rank;
  int32_t position;
  TokenId merged;
  // Min-heap order: lowest rank, then leftmost.
  bool operator<(const PendingMerge& other) const {
    return rank != other.rank ? rank > other.rank : position > other.position;
  }
};

class BpeModel final : public Model {
 public:
  BpeModel(const nlohmann::json& spec, ByteLevelMode mode, BpeTables* tables) : raw_bytes_(mode.raw_bytes) {
    const auto dropout = spec.find("dropout");
    if (dropout != spec.end() && !dropout->is_null() &&
        !(dropout->is_number() && dropout->get<double>() == 0.0))
      fail(ErrorKind::unsupported, "dropout: BPE dropout is not supported (got {})", dropout->dump());
    vocab_ = tables && tables->has_vocab ? Vocabulary::from_entries(tables->vocab)
                                         : Vocabulary::from_json(require_field(spec, "vocab"));
    unk_token_ = optional_string_field(spec, "unk_token");
    fuse_unk_ = bool_field(spec, "fuse_unk", false);
    byte_fallback_ = bool_field(spec, "byte_fallback", false);
    ignore_merges_ = bool_field(spec, "ignore_merges", false);
    prefix_ = optional_string_field(spec, "continuing_subword_prefix").value_or("");
    suffix_ = optional_string_field(spec, "end_of_word_suffix").value_or("");
    if (raw_bytes_ && (!prefix_.empty() || !suffix_.empty() || byte_fallback_))
      fail(ErrorKind::internal, "raw-bytes BPE needs no subword prefix/suffix and no byte fallback");

    for (int b = 0; b < 256; ++b) byte_fallback_ids_[b] = vocab_.find(fmt::format("<0x{:02X}>", b));
    if (raw_bytes_) {
      // Look tokens up by the bytes they stand for; tokens outside the alphabet can never be produced.
      const ByteLevelAlphabet& alphabet = ByteLevelAlphabet::get();
      raw_lookup_.reserve(vocab_.size());
      for (size_t id = 0; id < vocab_.id_limit(); ++id) {
        const auto token = vocab_.token(static_cast<TokenId>(id));
        if (!token) continue;
        if (auto bytes = alphabet.to_bytes(*token)) raw_lookup_.insert(*bytes, static_cast<TokenId>(id));
      }
    }
    for (int b = 0; b < 128; ++b) ascii_ids_[b] = vocab_.find(std::string(1, static_cast<char>(b)));
    for (int b = 0; b < 256; ++b) {
      const char c = static_cast<char>(b);
      single_byte_ids_[b] = raw_bytes_ ? raw_lookup_.find(std::string_view(&c, 1)) : -1;
    }
    with_context("merges", [&] {
      if (tables && tables->has_merges) {
        merges_.reserve(tables->merges.size());
        for (size_t rank = 0; rank < tables->merges.size(); ++rank)
          add_merge(tables->merges[rank].first, tables->merges[rank].second, rank);
      } else {
        load_merges(require_field(spec, "merges"));
      }
    });
    split_at_metaspace_ = metaspace_split_is_exact();
  }

  void encode_piece(std::string_view piece, std::vector<TokenId>& ids) const override {
    if (piece.empty()) return;
    if (!split_at_metaspace_) {
      encode_word(piece, ids);
      return;
    }
    // Split before every run of "▁" (U+2581) that follows another character; see metaspace_split_is_exact.
    // Characters are stepped exactly as build_symbols steps them, so words start at symbol boundaries.
    const char* p = piece.data();
    const size_t n = piece.size();
    size_t start = 0;
    bool previous_space = false;
    for (size_t pos = 0; pos < n;) {
      const auto lead = static_cast<unsigned char>(p[pos]);
      if (lead < 0x80) {  // ASCII: never "▁"
        previous_space = false;
        ++pos;
        continue;
      }
      const size_t length = std::min(utf8_sequence_length(lead), n - pos);
      const bool space = length == 3 && lead == 0xE2 && p[pos + 1] == '\x96' && p[pos + 2] == '\x81';
      if (space && !previous_space && pos > start) {
        encode_word(piece.substr(start, pos - start), ids);
        start = pos;
      }
      previous_space = space;
      pos += length;
    }
    encode_word(piece.substr(start), ids);
  }

  std::optional<TokenId> token_to_id(std::string_view token) const override {
    const TokenId id = vocab_.find(token);
    return id >= 0 ? std::optional<TokenId>(id) : std::nullopt;
  }
  std::optional<std::string_view> id_to_token(TokenId id) const override { return vocab_.token(id); }
  size_t vocab_size() const override { return vocab_.size(); }

 private:
  void encode_word(std::string_view word, std::vector<TokenId>& ids) const {
    if (ignore_merges_) {
      const TokenId id = lookup(word);
      if (id >= 0) {
        ids.push_back(id);
        return;
      }
    }
    const bool cacheable = word.size() <= WordCache::kMaxWordLength;
    uint64_t hash = 0;
    if (cacheable) {
      hash = hash_bytes(word);
      if (WordCache::for_model(serial_).lookup(word, hash, ids)) return;
    }
    thread_local std::vector<Symbol> symbols;
    thread_local std::vector<PendingMerge> queue;
    build_symbols(word, symbols);
    merge_all(symbols, queue);
    const size_t first = ids.size();
    for (const Symbol& s : symbols)
      if (s.length != 0) ids.push_back(s.id);
    if (cacheable) WordCache::for_model(serial_).store(word, hash, std::span(ids).subspan(first));
  }

  TokenId lookup(std::string_view token) const {
    return raw_bytes_ ? raw_lookup_.find(token) : vocab_.find(token);
  }

  static constexpr std::string_view kMetaspace = "\xE2\x96\x81";  // U+2581 "▁"

  static bool is_metaspace_run(std::string_view token) {
    if (token.empty() || token.size() % kMetaspace.size() != 0) return false;
    for (size_t i = 0; i < token.size(); i += kMetaspace.size())
      if (token.substr(i, kMetaspace.size()) != kMetaspace) return false;
    return true;
  }

  // Whether encoding a piece word by word, split before each run of "▁" that follows another character
  // ("▁a▁▁b" -> "▁a" "▁▁b"), gives exactly the ids of merging the whole piece at once (SentencePiece-style
  // BPE without a pre-tokenizer, e.g. Llama 2, merges over whole lines). Proved per tokenizer, at load time:
  //  - every vocabulary id has one token string, and merged tokens are left + right (no subword prefix or
  //    suffix, no raw-bytes alphabet), so a symbol's token is the concatenation of its initial symbols';
  //  - "▁" is in the vocabulary, so a "▁" character always starts as the symbol "▁": a symbol that starts
  //    at a split point has a token starting with "▁";
  //  - the character before a split point is not "▁" and is never dropped (there is an unk token, free of
  //    "▁"), so it starts as itself, a <0xAB> byte or the unk token, and a symbol that ends at a split point
  //    has a token that is not all "▁";
  //  - no merge joins a left token that is not all "▁" with a right token starting with "▁".
  // So no merge ever crosses a split point; words then merge independently (the lowest-rank pair of the
  // whole piece is the lowest-rank pair of its word), and each word can use the word cache.
  bool metaspace_split_is_exact() const {
    if (raw_bytes_ || ignore_merges_ || !prefix_.empty() || !suffix_.empty() || merge_crosses_metaspace_)
      return false;
    if (!unk_token_ || unk_token_->empty() || unk_token_->find(kMetaspace) != std::string::npos) return false;
    if (vocab_.find(kMetaspace) < 0) return false;
    size_t distinct_ids = 0;
    for (size_t id = 0; id < vocab_.id_limit(); ++id)
      if (vocab_.token(static_cast<TokenId>(id))) ++distinct_ids;
    return distinct_ids == vocab_.size();
  }

  TokenId require_id(const std::string& token, size_t rank) const {
    const TokenId id = vocab_.find(token);
    if (id < 0)
      fail(ErrorKind::invalid_input, "merge {} uses '{}', which is not in the vocabulary", rank, token);
    return id;
  }

  void load_merges(const nlohmann::json& merges) {
    if (!merges.is_array()) fail(ErrorKind::invalid_input, "expected an array");
    merges_.reserve(merges.size());
    std::string left, right;
    for (size_t rank = 0; rank < merges.size(); ++rank) {
      const auto& merge = merges[rank];
      if (merge.is_string()) {
        const auto& line = merge.get_ref<const std::string&>();
        const size_t space = line.find(' ');
        if (space == std::string::npos || line.find(' ', space + 1) != std::string::npos)
          fail(ErrorKind::invalid_input, "[{}]: expected \"left right\", got \"{}\"", rank, line);
        left.assign(line, 0, space);
        right.assign(line, space + 1);
      } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() && merge[1].is_string()) {
        left = merge[0].get<std::string>();
        right = merge[1].get<std::string>();
      } else {
        fail(ErrorKind::invalid_input, "[{}]: expected \"left right\" or [\"left\", \"right\"]", rank);
      }
      add_merge(left, right, rank);
    }
  }

  void add_merge(const std::string& left, const std::string& right, size_t rank) {
    const TokenId left_id = require_id(left, rank);
    const TokenId right_id = require_id(right, rank);
    thread_local std::string merged;
    merged.assign(left);
    merged.append(right, std::min(prefix_.size(), right.size()));
    merges_.insert(left_id, right_id, {static_cast<int32_t>(rank), require_id(merged, rank)});
    if (std::string_view(right).starts_with(kMetaspace) && !is_metaspace_run(left))
      merge_crosses_metaspace_ = true;
  }

  TokenId unk_id() const {
    const TokenId id = vocab_.find(*unk_token_);
    if (id < 0) fail(ErrorKind::invalid_input, "unk_token '{}' is not in the vocabulary", *unk_token_);
    return id;
  }

  static void add_symbol(std::vector<Symbol>& symbols, TokenId id, uint32_t length) {
    const auto index = static_cast<int32_t>(symbols.size());
    if (index > 0) symbols.back().next = index;
    symbols.push_back({id, index - 1, -1, length});
  }

  void build_symbols(std::string_view word, std::vector<Symbol>& symbols) const {
    symbols.clear();
    PendingUnknown pending;
    if (raw_bytes_) {
      for (size_t i = 0; i < word.size(); ++i) {
        const TokenId id = single_byte_ids_[static_cast<unsigned char>(word[i])];
        if (id >= 0) {
          add_symbol(symbols, id, 1);
        } else {
          add_unknown(symbols, pending, 1);
        }
      }
      flush_unknown(symbols, pending);
      return;
    }
    thread_local std::string piece;
    size_t pos = 0;
    while (pos < word.size()) {
      const size_t start = pos;
      pos += std::min(utf8_sequence_length(static_cast<unsigned char>(word[pos])), word.size() - pos);
      const auto length = static_cast<uint32_t>(pos - start);
      std::string_view s = word.substr(start, length);
      if ((start != 0 && !prefix_.empty()) || (pos == word.size() && !suffix_.empty())) {
        piece.clear();
        if (start != 0) piece.append(prefix_);
        piece.append(s);
        if (pos == word.size()) piece.append(suffix_);
        s = piece;
      }
      const TokenId id = length == 1 && prefix_.empty() && suffix_.empty()
                             ? ascii_ids_[static_cast<unsigned char>(s[0]) & 0x7F]
                             : vocab_.find(s);
      if (id >= 0) {
        flush_unknown(symbols, pending);
        add_symbol(symbols, id, length);
        continue;
      }
      if (byte_fallback_ && std::all_of(s.begin(), s.end(), [this](char b) {
            return byte_fallback_ids_[static_cast<unsigned char>(b)] >= 0;
          })) {
        for (char b : s) add_symbol(symbols, byte_fallback_ids_[static_cast<unsigned char>(b)], 1);
        continue;  // like Hugging Face, a pending unk stays pending here
      }
      add_unknown(symbols, pending, length);
    }
    flush_unknown(symbols, pending);
  }

  // The unk token being built (Hugging Face keeps one pending so that fuse_unk can extend it).
  struct PendingUnknown {
    bool active = false;
    uint32_t length = 0;
  };
  void add_unknown(std::vector<Symbol>& symbols, PendingUnknown& pending, uint32_t length) const {
    if (!unk_token_) return;  // no unk token: the character is dropped
    if (pending.active && fuse_unk_) {
      pending.length += length;
      return;
    }
    if (pending.active) add_symbol(symbols, unk_id(), pending.length);
    unk_id();  // fails if the unk token is missing
    pending = {true, length};
  }
  void flush_unknown(std::vector<Symbol>& symbols, PendingUnknown& pending) const {
    if (!pending.active) return;
    add_symbol(symbols, unk_id(), pending.length);
    pending = {};
  }

  void merge_all(std::vector<Symbol>& symbols, std::vector<PendingMerge>& queue) const {
    queue.clear();
    for (size_t i = 0; i + 1 < symbols.size(); ++i) {
      const auto m = merges_.find(symbols[i].id, symbols[i + 1].id);
      if (m.rank >= 0) queue.push_back({m.rank, static_cast<int32_t>(i), m.merged});
    }
    std::make_heap(queue.begin(), queue.end());
    while (!queue.empty()) {
      std::pop_heap(queue.begin(), queue.end());
      const PendingMerge top = queue.back();
      queue.pop_back();
      Symbol& current = symbols[top.position];
      if (current.length == 0 || current.next < 0) continue;
      const int32_t next_index = current.next;
      Symbol& right = symbols[next_index];
      const auto still = merges_.find(current.id, right.id);
      if (still.rank < 0 || still.merged != top.merged) continue;  // an outdated entry
      current.id = top.merged;
      current.length += right.length;
      current.next = right.next;
      right.length = 0;
      if (current.next >= 0) symbols[current.next].prev = top.position;
      if (current.prev >= 0) {
        const auto m = merges_.find(symbols[current.prev].id, current.id);
        if (m.rank >= 0) {
          queue.push_back({m.rank, current.prev, m.merged});
          std::push_heap(queue.begin(), queue.end());
        }
      }
      if (current.next >= 0) {
        const auto m = merges_.find(current.id, symbols[current.next].id);
        if (m.rank >= 0) {
          queue.push_back({m.rank, top.position, m.merged});
          std::push_heap(queue.begin(), queue.end());
        }
      }
    }
  }

  uint64_t serial_ = next_model_serial.fetch_add(1);
  bool raw_bytes_;
  Vocabulary vocab_;
  StringIdTable raw_lookup_;
  MergeTable merges_;
  std::optional<std::string> unk_token_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  bool merge_crosses_metaspace_ = false;  // some merge joins a token not all "▁" with one starting with "▁"
  bool split_at_metaspace_ = false;       // see metaspace_split_is_exact
  std::string prefix_;
  std::string suffix_;
  std::array<TokenId, 256> byte_fallback_ids_{};
  std::array<TokenId, 256> single_byte_ids_{};
  std::array<TokenId, 128> ascii_ids_{};  // one-character ASCII tokens (a length-1 UTF-8 character is ASCII)
};

}  // namespace

std::unique_ptr<Model> make_bpe_model(const nlohmann::json& spec, ByteLevelMode mode, BpeTables* tables) {
  return std::make_unique<BpeModel>(spec, mode, tables);
}

}  // namespace chunkwise::text
