// The small decoders: Metaspace, ByteFallback, Fuse, Strip, Replace, BPEDecoder.
#include <nlohmann/json.hpp>

#include "common/error.h"
#include "text/tokenizer/decoders.h"
#include "text/tokenizer/json_fields.h"
#include "text/tokenizer/text_pattern.h"
#include "text/tokenizer/unicode_text.h"

namespace chunkwise::text {

namespace {

// Metaspace: the replacement character becomes a space; in the first token it is dropped unless
// prepend_scheme is "never".
class MetaspaceDecoder final : public Decoder {
 public:
  MetaspaceDecoder(char32_t replacement, bool drop_in_first) : drop_in_first_(drop_in_first) {
    append_utf8(replacement_, replacement);
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      if (token.find(replacement_) == std::string::npos) continue;
      std::string out;
      size_t last = 0, pos;
      while ((pos = token.find(replacement_, last)) != std::string::npos) {
        out.append(token, last, pos - last);
        if (!(i == 0 && drop_in_first_)) out.push_back(' ');
        last = pos + replacement_.size();
      }
      out.append(token, last);
      token = std::move(out);
    }
  }

 private:
  std::string replacement_;
  bool drop_in_first_;
};

// ByteFallback: runs of <0xAB> tokens become the bytes they name; a run that is not valid UTF-8 becomes one
// U+FFFD per byte.
class ByteFallbackDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::vector<std::string> out;
    out.reserve(tokens.size());
    std::string bytes;
    size_t byte_count = 0;
    auto flush = [&] {
      if (byte_count == 0) return;
      if (is_valid_utf8(bytes)) {
        out.push_back(bytes);
      } else {
        for (size_t i = 0; i < byte_count; ++i) out.emplace_back("\xEF\xBF\xBD");
      }
      bytes.clear();
      byte_count = 0;
    };
    for (std::string& token : tokens) {
      int value = -1;
      if (token.size() == 6 && token.starts_with("<0x") && token.back() == '>')
        value = parse_hex(token[3], token[4]);
      if (value >= 0) {
        bytes.push_back(static_cast<char>(value));
        ++byte_count;
      } else {
        flush();
        out.push_back(std::move(token));
      }
    }
    flush();
    tokens = std::move(out);
  }

 private:
  static int hex_digit(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  static int parse_hex(char high, char low) {
    const int h = hex_digit(high), l = hex_digit(low);
    return h < 0 || l < 0 ? -1 : h * 16 + l;
  }
};

class FuseDecoder final : public Decoder {
 public:
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string joined;
    for (const std::string& token : tokens) joined += token;
    tokens.assign(1, std::move(joined));
  }
};

// Strip: removes up to `start` leading and `stop` trailing `content` characters from every token.
class StripDecoder final : public Decoder {
 public:
  StripDecoder(char32_t content, size_t start, size_t stop) : start_(start), stop_(stop) {
    append_utf8(content_, content);
  }
  void decode_chain(std::vector<std::string>& tokens) const override {
    for (std::string& token : tokens) {
      size_t begin = 0, end = token.size();
      for (size_t i = 0; i < start_ && token.compare(begin, content_.size(), content_) == 0 &&
                         begin + content_.size() <= end;
           ++i)
        begin += content_.size();
      for (size_t i = 0; i < stop_ && end >= begin + content_.size() &&
                         token.compare(end - content_.size(), content_.size(), content_) == 0;
           ++i)
        end -= content_.size();
      token = token.substr(begin, end - begin);
    }
  }

 private:
  std::string content_;
  size_t start_, stop_;
};

class ReplaceDecoder final : public Decoder {
 public:
  ReplaceDecoder(TextPattern pattern, std::string content)
      : pattern_(std::move(pattern)), content_(std::move(content)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    std::string out;
    for (std::string& token : tokens) {
      pattern_.replace_all(token, content_, out);
      token.swap(out);
    }
  }

 private:
  TextPattern pattern_;
  std::string content_;
};

// BPEDecoder: the end-of-word suffix becomes a space, except in the last token where it is dropped.
class BpeDecoder final : public Decoder {
 public:
  explicit BpeDecoder(std::string suffix) : suffix_(std::move(suffix)) {}
  void decode_chain(std::vector<std::string>& tokens) const override {
    if (suffix_.empty()) return;
    for (size_t i = 0; i < tokens.size(); ++i) {
      std::string& token = tokens[i];
      const std::string_view replacement = i + 1 == tokens.size() ? "" : " ";
      std::string out;
      size_t last = 0, pos;
      while ((pos = token.find(suffix_, last)) != std::string::npos) {
        out.append(token, last, pos - last);
        out.append(replacement);
        last = pos + suffix_.size();
      }
      out.append(token, last);
      token = std::move(out);
    }
  }

 private:
  std::string suffix_;
};

}  // namespace

std::unique_ptr<Decoder> make_metaspace_decoder(const nlohmann::json& spec) {
  bool drop_in_first = bool_field(spec, "add_prefix_space", true);
  if (const auto scheme = optional_string_field(spec, "prepend_scheme")) drop_in_first = *scheme != "never";
  return std::make_unique<MetaspaceDecoder>(char_field(spec, "replacement", U'\u2581'), drop_in_first);
}

std::unique_ptr<Decoder> make_byte_fallback_decoder() {
  return std::make_unique<ByteFallbackDecoder>();
}

std::unique_ptr<Decoder> make_fuse_decoder() {
  return std::make_unique<FuseDecoder>();
}

std::unique_ptr<Decoder> make_strip_decoder(const nlohmann::json& spec) {
  const int64_t start = int_field(spec, "start", 0), stop = int_field(spec, "stop", 0);
  if (start < 0 || stop < 0) fail(ErrorKind::invalid_input, "start/stop: expected non-negative counts");
  return std::make_unique<StripDecoder>(char_field(spec, "content", U' '), static_cast<size_t>(start),
                                        static_cast<size_t>(stop));
}

std::unique_ptr<Decoder> make_replace_decoder(const nlohmann::json& spec) {
  return std::make_unique<ReplaceDecoder>(TextPattern::from_json(require_field(spec, "pattern")),
                                          string_field(spec, "content"));
}

std::unique_ptr<Decoder> make_bpe_decoder(const nlohmann::json& spec) {
  return std::make_unique<BpeDecoder>(optional_string_field(spec, "suffix").value_or("</w>"));
}

}  // namespace chunkwise::text
