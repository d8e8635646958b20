#include "model/embedder.h"

#include <fmt/format.h>

#include <algorithm>

#include "common/error.h"
#include "common/file.h"
#include "model/decoder_model.h"
#include "model/encoder_model.h"
#include "model/json_fields.h"
#include "runtime/debug_dump.h"
#include "runtime/ops/gather_rows.h"
#include "runtime/ops/l2_normalize.h"

namespace chunkwise::model {

namespace {

constexpr int kBlockSize = 16;

// sentence-transformers' Pooling module configuration: which one of the modes we support it selects.
Pooling parse_pooling_config(const std::filesystem::path& path) {
  return with_context(path.string(), [&] {
    const json_fields::json config = json_fields::parse_object(read_file(path));
    if (auto mode = json_fields::optional_string(config, "pooling_mode")) {
      if (*mode == "lasttoken") return Pooling::last_token;
      if (*mode == "cls" || *mode == "mean") return parse_pooling(*mode);
      fail(ErrorKind::unsupported, "pooling_mode '{}' is not supported (cls, mean, lasttoken)", *mode);
    }
    for (const char* unsupported :
         {"pooling_mode_max_tokens", "pooling_mode_mean_sqrt_len_tokens", "pooling_mode_weightedmean_tokens"})
      if (json_fields::optional_bool(config, unsupported).value_or(false))
        fail(ErrorKind::unsupported, "{} is not supported (cls, mean, lasttoken pooling)", unsupported);
    std::vector<Pooling> chosen;
    if (json_fields::optional_bool(config, "pooling_mode_cls_token").value_or(false))
      chosen.push_back(Pooling::cls);
    if (json_fields::optional_bool(config, "pooling_mode_mean_tokens").value_or(false))
      chosen.push_back(Pooling::mean);
    if (json_fields::optional_bool(config, "pooling_mode_lasttoken").value_or(false))
      chosen.push_back(Pooling::last_token);
    if (chosen.size() != 1)
      fail(ErrorKind::unsupported,
           "{} pooling modes are set; one of pooling_mode_cls_token, pooling_mode_mean_tokens and "
           "pooling_mode_lasttoken must be (concatenated poolings are not supported)",
           chosen.size());
    return chosen.front();
  });
}

// sentence-transformers' max_seq_length, if the directory states one.
std::optional<int64_t> sentence_transformers_max_length(const std::filesystem::path& dir) {
  const std::filesystem::path path = dir / "sentence_bert_config.json";
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return std::nullopt;
  return with_context(path.string(), [&]() -> std::optional<int64_t> {
    const auto length =
        json_fields::optional_int(json_fields::parse_object(read_file(path)), "max_seq_length");
    if (length && *length < 1) fail(ErrorKind::invalid_input, "max_seq_length must be >= 1, got {}", *length);
    return length;
  });
}

}  // namespace

std::string_view to_string(Pooling pooling) {
  switch (pooling) {
    case Pooling::mean:
      return "mean";
    case Pooling::cls:
      return "cls";
    case Pooling::last_token:
      return "last_token";
  }
  return "unknown";
}

Pooling parse_pooling(std::string_view name) {
  if (name == "mean") return Pooling::mean;
  if (name == "cls") return Pooling::cls;
  if (name == "last" || name == "last_token") return Pooling::last_token;
  fail(ErrorKind::invalid_input, "unknown pooling '{}' (mean, cls, last)", name);
}

std::optional<Pooling> default_pooling(const ModelDirectory& directory) {
  const std::filesystem::path config = directory.path / "1_Pooling" / "config.json";
  std::error_code ec;
  if (std::filesystem::exists(config, ec)) return parse_pooling_config(config);
  if (!directory.config.is_decoder()) return Pooling::mean;
  if (!directory.config.has_lm_head) return Pooling::last_token;
  return std::nullopt;
}

Embedder::Embedder(std::shared_ptr<const ModelDirectory> directory, text::Tokenizer tokenizer,
                   const EmbedderOptions& options)
    : directory_(std::move(directory)), tokenizer_(std::move(tokenizer)), options_(options) {
  const ModelConfig& config = directory_->config;
  const std::optional<Pooling> pooling = options.pooling ? options.pooling : default_pooling(*directory_);
  if (!pooling)
    fail(ErrorKind::invalid_input,
         "{}: {} is a causal language model (it has an LM head), not an embedding model; choose a pooling "
         "(e.g. last) to embed with its final hidden states anyway",
         directory_->path.string(), config.architecture_name);
  pooling_ = *pooling;
  if (config.is_decoder()) {
    decoder_ = std::make_unique<DecoderModel>(directory_);
    max_tokens_ = config.max_position_embeddings;
  } else {
    encoder_ = std::make_unique<EncoderModel>(directory_);
    max_tokens_ = encoder_->max_sequence_length();
    if (max_tokens_ < config.max_position_embeddings)
      limit_source_ = "max_position_embeddings less the position offset";
  }
  if (auto length = sentence_transformers_max_length(directory_->path); length && *length < max_tokens_) {
    max_tokens_ = *length;
    limit_source_ = "max_seq_length in sentence_bert_config.json";
  }
  // Positions and cache block counts are int32 in the runtime.
  max_tokens_ = std::min<int64_t>(max_tokens_, int64_t{1} << 30);
}

Embedder Embedder::load(const std::filesystem::path& dir, const EmbedderOptions& options) {
  auto directory = std::make_shared<const ModelDirectory>(open_model_directory(dir));
  text::Tokenizer tokenizer = text::Tokenizer::load(dir);
  return Embedder(std::move(directory), std::move(tokenizer), options);
}

Embedder::Embedder(Embedder&&) noexcept = default;
Embedder& Embedder::operator=(Embedder&&) noexcept = default;
Embedder::~Embedder() = default;

int64_t Embedder::dimension() const {
  return directory_->config.hidden_size;
}

std::vector<int32_t> Embedder::tokenize(std::string_view text) const {
  std::vector<int32_t> ids = tokenizer_.encode(text, /*add_special_tokens=*/true);
  if (ids.empty()) fail(ErrorKind::invalid_input, "the text has no tokens (it is empty)");
  if (int64_t(ids.size()) <= max_tokens_) return ids;
  if (!options_.truncate)
    fail(ErrorKind::invalid_input,
         "the text is {} tokens long; the model takes at most {} ({}); shorten it or enable truncation",
         ids.size(), max_tokens_, limit_source_);
  const int32_t last = ids.back();
  ids.resize(size_t(max_tokens_));
  if (tokenizer_.is_special(last)) ids.back() = last;
  return ids;
}

std::vector<std::vector<float>> Embedder::embed(std::span<const std::string> texts) const {
  std::vector<std::vector<int32_t>> sequences;
  sequences.reserve(texts.size());
  for (size_t i = 0; i < texts.size(); ++i)
    sequences.push_back(with_context(fmt::format("text {}", i), [&] { return tokenize(texts[i]); }));
  return embed_tokens(sequences);
}

std::vector<std::vector<float>> Embedder::embed_tokens(
    std::span<const std::vector<int32_t>> sequences) const {
  if (sequences.empty()) return {};
  for (size_t s = 0; s < sequences.size(); ++s) {
    if (sequences[s].empty()) fail(ErrorKind::invalid_input, "embed: sequence {} has no tokens", s);
    if (int64_t(sequences[s].size()) > max_tokens_)
      fail(ErrorKind::invalid_input, "embed: sequence {} has {} tokens; the model takes at most {}", s,
           sequences[s].size(), max_tokens_);
  }
  const auto hidden = dimension();
  const auto count = int64_t(sequences.size());
  std::vector<float> pooled = pooled_hidden_states(sequences);
  runtime::Tensor embeddings =
      runtime::Tensor::view(pooled.data(), {count, hidden}, runtime::DType::f32, runtime::Device::cpu);
  runtime::debug_dump("pooled", embeddings);
  if (options_.normalize) embeddings = runtime::l2_normalize(embeddings, "embedding");
  const std::vector<float> values = runtime::to_host_floats(embeddings);
  std::vector<std::vector<float>> out;
  out.reserve(sequences.size());
  for (int64_t s = 0; s < count; ++s)
    out.emplace_back(values.begin() + s * hidden, values.begin() + (s + 1) * hidden);
  return out;
}

std::vector<float> Embedder::pooled_hidden_states(std::span<const std::vector<int32_t>> sequences) const {
  // Rows of the packed batch: sequence s is tokens [offsets[s], offsets[s + 1]).
  std::vector<int32_t> offsets{0};
  for (const auto& ids : sequences) offsets.push_back(offsets.back() + int32_t(ids.size()));
  // The rows each sequence is pooled from, as the forward pass returns them.
  std::vector<int32_t> rows;
  for (size_t s = 0; s < sequences.size(); ++s) {
    if (pooling_ == Pooling::cls) rows.push_back(offsets[s]);
    if (pooling_ == Pooling::last_token) rows.push_back(offsets[s + 1] - 1);
  }

  runtime::Tensor states;
  if (encoder_) {
    EncoderBatch batch;
    for (const auto& ids : sequences) batch.add_sequence(ids);
    states = encoder_->hidden_states(batch);
    if (!rows.empty()) states = runtime::gather_rows(states, rows, "pooled_rows");
  } else {
    // Each sequence gets its own blocks of one cache sized for the batch.
    ForwardBatch batch;
    int32_t next_block = 0;
    for (size_t s = 0; s < sequences.size(); ++s) {
      const auto length = int32_t(sequences[s].size());
      batch.tokens.insert(batch.tokens.end(), sequences[s].begin(), sequences[s].end());
      for (int32_t p = 0; p < length; ++p) {
        batch.attention.token_sequence.push_back(int32_t(s));
        batch.attention.token_position.push_back(p);
      }
      runtime::BlockTable& table = batch.attention.block_tables.emplace_back();
      for (int32_t b = 0; b < (length + kBlockSize - 1) / kBlockSize; ++b) table.push_back(next_block++);
    }
    batch.output_rows = rows;  // empty for mean pooling: every token
    runtime::KvCache cache(decoder_->kv_cache_shape(next_block, kBlockSize));
    states = decoder_->hidden_states(batch, cache);
  }

  const std::vector<float> values = runtime::to_host_floats(states);
  const auto hidden = size_t(dimension());
  if (pooling_ != Pooling::mean) return values;  // one row per sequence already
  std::vector<float> pooled(sequences.size() * hidden);
  std::vector<double> sum(hidden);
  for (size_t s = 0; s < sequences.size(); ++s) {
    std::fill(sum.begin(), sum.end(), 0.0);
    for (int32_t t = offsets[s]; t < offsets[s + 1]; ++t)
      for (size_t i = 0; i < hidden; ++i) sum[i] += values[size_t(t) * hidden + i];
    const double length = double(sequences[s].size());
    for (size_t i = 0; i < hidden; ++i) pooled[s * hidden + i] = float(sum[i] / length);
  }
  return pooled;
}

}  // namespace chunkwise::model
