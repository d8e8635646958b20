#include "cli/chunker_options.h"

namespace chunkwise::cli {

void add_chunker_flags(CLI::App& cmd, ChunkerFlags& flags, const std::string& model_flag) {
  text::ChunkerConfig& c = flags.config;
  cmd.add_option(
         "--chunker", c.name,
         "token (whitespace words), sentence (whole sentences, ICU), recursive (LangChain's), structure "
         "(sections; tables and code kept whole), semantic (ends chunks where neighbouring sentences' "
         "embeddings differ most; needs " +
             model_flag +
             " with an embedding model) or perplexity (Meta-Chunking: ends chunks after sentences a "
             "language model finds easiest, then merges to the size; needs " +
             model_flag + " with a causal LM)")
      ->capture_default_str();
  cmd.add_option(
      "--chunk-size", c.size,
      "Chunk size: code points for recursive (default 1000), words for the others (default 256; the "
      "most a semantic or perplexity chunk holds)");
  flags.overlap =
      cmd.add_option("--chunk-overlap", c.overlap,
                     "Overlap between neighbouring chunks, same unit (default: a fifth of the size; "
                     "semantic and perplexity chunks do not overlap)");
  cmd.add_option(model_flag, flags.model,
                 "Model directory of the semantic (embedding model) or perplexity (causal LM) chunker");
  cmd.add_option("--semantic-window", c.window,
                 "semantic: sentences on each side embedded with each sentence")
      ->capture_default_str()
      ->check(CLI::Range(0, 64));
  cmd.add_option("--semantic-percentile", c.percentile,
                 "semantic: end a chunk where the distance between neighbouring sentences is above this "
                 "percentile of the document's distances")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 100.0));
  cmd.add_option("--semantic-similarity", flags.similarity,
                 "semantic: instead, end a chunk where the cosine similarity of neighbouring sentences falls "
                 "below this value")
      ->check(CLI::Range(-1.0, 1.0));
  cmd.add_option("--ppl-threshold", c.perplexity_threshold,
                 "perplexity: the least drop of log-perplexity (nats per token) that makes a sentence a "
                 "boundary")
      ->capture_default_str()
      ->check(CLI::NonNegativeNumber);
}

text::ChunkerConfig chunker_config(const ChunkerFlags& flags) {
  text::ChunkerConfig config = flags.config;
  config.overlap_set = flags.overlap != nullptr && flags.overlap->count() > 0;
  config.similarity = flags.similarity;
  return config;
}

}  // namespace chunkwise::cli
