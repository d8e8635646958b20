#include "ingest/chunk_models.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "model/checkpoint_fingerprint.h"

namespace chunkwise::ingest {

namespace fs = std::filesystem;

namespace {

// A causal LM without a sentence-transformers pooling (which the Embedder refuses to guess for) is
// mean-pooled: for comparing neighbouring sentences any consistent pooling serves.
model::Embedder load_truncating_embedder(const fs::path& dir) {
  model::EmbedderOptions options;
  options.truncate = true;
  if (!model::default_pooling(model::open_model_directory(dir))) options.pooling = model::Pooling::mean;
  return model::Embedder::load(dir, options);
}

}  // namespace

EmbedderSentenceEncoder::EmbedderSentenceEncoder(const fs::path& dir)
    : embedder_(load_truncating_embedder(dir)) {
  model::FingerprintHash hash;
  model::add_checkpoint_contents(hash, dir);
  hash.add_field("pooling", model::to_string(embedder_.pooling()));
  fingerprint_ = hash.hex();
}

std::vector<std::vector<float>> EmbedderSentenceEncoder::embed(std::span<const std::string> texts) const {
  return embedder_.embed(texts);
}

DecoderPerplexityScorer::DecoderPerplexityScorer(const fs::path& dir, const PerplexityScorerOptions& options)
    : model_(model::DecoderModel::load(dir)),
      tokenizer_(text::Tokenizer::load(dir)),
      options_(options),
      fingerprint_(model::checkpoint_fingerprint(dir)) {
  if (!model_.has_lm_head())
    fail(ErrorKind::invalid_input,
         "{}: the perplexity chunker needs a causal language model, and this one has no LM head",
         dir.string());
  if (model_.config().max_position_embeddings > 0)
    options_.context_tokens = std::min(options_.context_tokens, model_.config().max_position_embeddings);
  if (options_.context_tokens < 4 || options_.pass_tokens < 1)
    fail(ErrorKind::invalid_input, "perplexity scorer: context {} and pass {} tokens are too small",
         options_.context_tokens, options_.pass_tokens);
}

std::vector<double> DecoderPerplexityScorer::log_perplexities(std::string_view text,
                                                              std::span<const text::Span> units) const {
  constexpr size_t kNoUnit = std::numeric_limits<size_t>::max();
  std::vector<int32_t> ids;
  std::vector<size_t> owner;  // the unit each token belongs to
  const std::optional<int64_t> bos = model_.config().bos_token_id;
  size_t previous_end = 0;
  for (size_t u = 0; u < units.size(); ++u) {
    if (units[u].end < previous_end || units[u].end > text.size())
      fail(ErrorKind::internal, "perplexity scorer: unit {} is out of order", u);
    for (const int32_t id :
         tokenizer_.encode(text.substr(previous_end, units[u].end - previous_end), false)) {
      ids.push_back(id);
      owner.push_back(u);
    }
    previous_end = units[u].end;
  }
  std::vector<double> sums(units.size(), 0.0);
  std::vector<size_t> counts(units.size(), 0);

  const auto context = size_t(options_.context_tokens), pass = size_t(options_.pass_tokens);
  const int block_size = 16;
  const auto blocks = int((context + 1 + block_size - 1) / block_size);
  std::lock_guard lock(mutex_);
  if (!cache_) cache_.emplace(model_.kv_cache_shape(blocks, block_size));
  runtime::BlockTable table(static_cast<size_t>(blocks));
  for (int b = 0; b < blocks; ++b) table[size_t(b)] = b;
  const auto vocab = size_t(model_.config().vocab_size);

  // Windows of the stream [start, end): tokens before `scored` were already scored as targets.
  size_t start = 0, scored = bos ? 0 : 1;
  while (scored < ids.size()) {
    const size_t window = bos ? context - 1 : context;  // the BOS takes a position
    const size_t end = std::min(start + window, ids.size());
    std::vector<int32_t> tokens;
    if (bos) tokens.push_back(int32_t(*bos));
    tokens.insert(tokens.end(), ids.begin() + std::ptrdiff_t(start), ids.begin() + std::ptrdiff_t(end));
    const size_t offset = bos ? 1 : 0;  // tokens[k] is ids[start + k - offset]
    // Row k predicts stream token start + k - offset + 1 ... with the BOS row predicting ids[start].
    for (size_t first = 0; first < tokens.size(); first += pass) {
      const size_t last = std::min(first + pass, tokens.size());
      model::ForwardBatch batch = model::ForwardBatch::for_sequence(
          std::vector<int32_t>(tokens.begin() + std::ptrdiff_t(first), tokens.begin() + std::ptrdiff_t(last)),
          int32_t(first), table, false);
      std::vector<size_t> targets;  // stream index each output row predicts
      batch.output_rows.clear();
      for (size_t k = first; k < last; ++k) {
        const size_t target = start + k + 1 - offset;
        if (target >= scored && target < ids.size()) {
          batch.output_rows.push_back(int32_t(k - first));
          targets.push_back(target);
        }
      }
      if (targets.empty()) batch.output_rows.push_back(int32_t(last - first - 1));  // fill the cache only
      const std::vector<float> logits = runtime::to_host_floats(model_.logits(batch, *cache_));
      for (size_t r = 0; r < targets.size(); ++r) {
        const float* row = logits.data() + r * vocab;
        const float peak = *std::max_element(row, row + vocab);
        double total = 0;
        for (size_t v = 0; v < vocab; ++v) total += std::exp(double(row[v]) - peak);
        const size_t target = targets[r];
        const double log_p = double(row[size_t(ids[target])]) - peak - std::log(total);
        if (owner[target] != kNoUnit) {
          sums[owner[target]] -= log_p;
          ++counts[owner[target]];
        }
      }
    }
    scored = std::max(scored, end + 1);
    if (end >= ids.size()) break;
    start = end - std::min(end - start, context / 2);  // half a context of already-scored tokens as context
  }
  std::vector<double> values(units.size(), std::numeric_limits<double>::quiet_NaN());
  for (size_t u = 0; u < units.size(); ++u)
    if (counts[u] > 0) values[u] = sums[u] / double(counts[u]);
  return values;
}

text::ChunkerModels load_chunker_models(const text::ChunkerConfig& config, const fs::path& model_dir) {
  text::ChunkerModels models;
  if (!text::chunker_needs_model(config.name)) {
    if (!model_dir.empty())
      fail(ErrorKind::invalid_input, "the {} chunker takes no model (only semantic and perplexity do)",
           config.name);
    return models;
  }
  if (model_dir.empty())
    fail(ErrorKind::invalid_input, "the {} chunker needs a model directory ({})", config.name,
         config.name == "semantic" ? "an embedding model" : "a causal language model");
  if (config.name == "semantic")
    models.encoder = std::make_shared<EmbedderSentenceEncoder>(model_dir);
  else
    models.scorer = std::make_shared<DecoderPerplexityScorer>(model_dir);
  return models;
}

}  // namespace chunkwise::ingest
