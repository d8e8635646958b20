// BertNormalizer: clean_text (drop control characters, whitespace becomes ' '), handle_chinese_chars (spaces
// around CJK ideographs), strip_accents (NFD, then drop nonspacing marks; null means "same as lowercase"),
// lowercase. The stages run in that order, as in Hugging Face `tokenizers`.
#include <utf8proc.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/bert.h"
#include "text/tokenizer/bert_unicode.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {
namespace {

struct BertNormalizerOptions {
  bool clean_text = true;
  bool handle_chinese_chars = true;
  bool strip_accents = true;
  bool lowercase = true;
};

bool is_ascii(std::string_view text) {
  for (char c : text)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// Canonical decomposition (NFD) of valid UTF-8, with utf8proc.
std::string utf8proc_nfd(std::string_view text) {
  utf8proc_uint8_t* result = nullptr;
  const utf8proc_ssize_t length = utf8proc_map(
      reinterpret_cast<const utf8proc_uint8_t*>(text.data()), static_cast<utf8proc_ssize_t>(text.size()),
      &result, static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_DECOMPOSE));
  if (length < 0) fail(ErrorKind::internal, "BertNormalizer: NFD failed: {}", utf8proc_errmsg(length));
  std::string out(reinterpret_cast<const char*>(result), static_cast<size_t>(length));
  std::free(result);
  return out;
}

// NFD as Hugging Face computes it: its Unicode tables leave U+11938 (DIVES AKURU VOWEL SIGN O) composed. It
// is a starter, so decomposing the text around it is the same as decomposing the whole.
std::string nfd(std::string_view text) {
  constexpr std::string_view kKeptComposed = "\xF0\x91\xA4\xB8";
  std::string out;
  for (size_t pos = 0;;) {
    const size_t found = text.find(kKeptComposed, pos);
    out += utf8proc_nfd(
        text.substr(pos, found == std::string_view::npos ? std::string_view::npos : found - pos));
    if (found == std::string_view::npos) return out;
    out += kKeptComposed;
    pos = found + kKeptComposed.size();
  }
}

class BertNormalizer final : public Normalizer {
 public:
  explicit BertNormalizer(BertNormalizerOptions options) : options_(options) {}

  void normalize(std::string& text) const override {
    if (is_ascii(text)) {
      normalize_ascii(text);
      return;
    }
    std::string out;
    out.reserve(text.size() + text.size() / 4);
    for (size_t pos = 0; pos < text.size();) {
      char32_t c = next_code_point(text, pos);
      if (options_.clean_text) {
        if (c == 0 || c == 0xFFFD || bert::is_control(c)) continue;
        if (is_whitespace(c)) c = ' ';
      }
      if (options_.handle_chinese_chars && bert::is_chinese_char(c)) {
        out.push_back(' ');
        append_utf8(out, c);
        out.push_back(' ');
      } else {
        append_utf8(out, c);
      }
    }
    if (options_.strip_accents) out = strip_accents(nfd(out));
    if (options_.lowercase) out = lowercase(out);
    text = std::move(out);
  }

 private:
  // The same stages for ASCII text, in place: only control characters, whitespace and case can change.
  void normalize_ascii(std::string& text) const {
    size_t kept = 0;
    for (char ch : text) {
      const auto c = static_cast<unsigned char>(ch);
      if (options_.clean_text) {
        if (c == '\t' || c == '\n' || c == '\r') {
          ch = ' ';
        } else if (c < 0x20 || c == 0x7F) {
          continue;
        }
      }
      if (options_.lowercase && c >= 'A' && c <= 'Z') ch = static_cast<char>(c + ('a' - 'A'));
      text[kept++] = ch;
    }
    text.resize(kept);
  }

  static std::string strip_accents(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
      const size_t start = pos;
      const char32_t c = next_code_point(text, pos);
      if (bert::is_nonspacing_mark(c)) continue;
      out.append(text, start, pos - start);
    }
    return out;
  }

  // Rust's char::to_lowercase, character by character (no context: final sigma stays σ).
  static std::string lowercase(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t pos = 0; pos < text.size();) {
      const char32_t c = next_code_point(text, pos);
      if (c == 0x130) {
        out.append("i\xCC\x87");
        continue;
      }
      append_utf8(out, bert::to_lowercase(c));
    }
    return out;
  }

  BertNormalizerOptions options_;
};

bool optional_bool(const nlohmann::json& spec, const char* key, bool fallback) {
  const auto it = spec.find(key);
  if (it == spec.end() || it->is_null()) return fallback;
  if (!it->is_boolean()) fail(ErrorKind::invalid_input, "BertNormalizer: {}: expected a boolean", key);
  return it->get<bool>();
}

}  // namespace

std::unique_ptr<Normalizer> make_bert_normalizer(const nlohmann::json& spec) {
  if (!spec.is_object()) fail(ErrorKind::invalid_input, "BertNormalizer: expected an object");
  BertNormalizerOptions options;
  options.clean_text = optional_bool(spec, "clean_text", true);
  options.handle_chinese_chars = optional_bool(spec, "handle_chinese_chars", true);
  options.lowercase = optional_bool(spec, "lowercase", true);
  options.strip_accents = optional_bool(spec, "strip_accents", options.lowercase);  // null: follows lowercase
  return std::make_unique<BertNormalizer>(options);
}

}  // namespace chunkwise::text
