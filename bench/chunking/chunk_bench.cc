// Chunking throughput of chunkwise's chunkers (make_chunker: the recursive and token chunkers), printed as
// one JSON object per line:
//   {"impl":"chunkwise","chunker":NAME,"size":N,"overlap":M,"unit":U,"mb_per_s":X,"chunks":C,...}
// The corpus is every file of DIR whose name ends in EXT (not recursive, sorted by name), each kept in memory
// REPEAT times as a separate copy; a pass chunks every copy as its own document (Chunker::chunk: UTF-8
// check, boundaries, chunk texts and word counts; plain text, no Markdown structure, as the JavaScript
// chunkers get it). MB/s is input bytes (10^6) per second of the fastest pass; one thread.
// bench/chunking/chunk_bench.sh runs this next to the npm chunkers on the same files and settings.
//   chunk_bench --corpus DIR [--ext .md] [--repeat N] [--min-seconds S] [--passes P] NAME:SIZE:OVERLAP...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "common/error.h"
#include "text/chunk/chunker.h"

namespace {

namespace fs = std::filesystem;
using chunkwise::text::Chunk;
using chunkwise::text::ChunkerConfig;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string corpus;
  std::string ext = ".md";
  int repeat = 8;
  double min_seconds = 2.0;
  int passes = 3;
  std::vector<ChunkerConfig> chunkers;
};

std::vector<std::string> read_corpus(const Options& options, size_t& files) {
  std::vector<fs::path> paths;
  for (const auto& entry : fs::directory_iterator(options.corpus))
    if (entry.is_regular_file() && entry.path().string().ends_with(options.ext))
      paths.push_back(entry.path());
  std::sort(paths.begin(), paths.end());
  if (paths.empty())
    chunkwise::fail(chunkwise::ErrorKind::not_found, "no *{} files in {}", options.ext, options.corpus);
  files = paths.size();
  std::vector<std::string> documents;
  for (int r = 0; r < options.repeat; ++r)
    for (const fs::path& path : paths) {
      std::ifstream in(path, std::ios::binary);
      std::ostringstream bytes;
      bytes << in.rdbuf();
      documents.push_back(std::move(bytes).str());
    }
  return documents;
}

// Runs `pass` once to warm up, then at least `passes` times and until min_seconds have passed; the fastest.
template <typename Pass>
double best_seconds(const Options& options, Pass&& pass) {
  pass();
  double best = 1e30, total = 0;
  for (int runs = 0; runs < options.passes || total < options.min_seconds; ++runs) {
    const auto start = Clock::now();
    pass();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::min(best, seconds);
    total += seconds;
  }
  return best;
}

size_t count_code_points(const std::string& text) {
  return static_cast<size_t>(std::count_if(
      text.begin(), text.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

int run(const Options& options) {
  size_t files = 0;
  const std::vector<std::string> documents = read_corpus(options, files);
  size_t bytes = 0;
  for (const std::string& document : documents) bytes += document.size();
  for (const ChunkerConfig& config : options.chunkers) {
    const auto chunker = chunkwise::text::make_chunker(config);
    size_t chunks = 0, chunk_code_points = 0;
    const double seconds = best_seconds(options, [&] {
      chunks = 0;
      for (const std::string& document : documents) {
        chunks += chunker->chunk(document).size();
      }
    });
    // Chunk lengths of one copy of the corpus, for comparing the settings with the other chunkers.
    for (size_t i = 0; i < files; ++i)
      for (const Chunk& chunk : chunker->chunk(documents[i]))
        chunk_code_points += count_code_points(chunk.text);
    const nlohmann::json result = {{"impl", "chunkwise"},
                                   {"chunker", config.name},
                                   {"describe", chunker->describe()},
                                   {"size", config.size},
                                   {"overlap", config.overlap},
                                   {"unit", config.name == "token" ? "words" : "chars"},
                                   {"files", files},
                                   {"documents", documents.size()},
                                   {"bytes", bytes},
                                   {"chunks", chunks},
                                   {"mean_chunk_chars", static_cast<double>(chunk_code_points) /
                                                            static_cast<double>(chunks / options.repeat)},
                                   {"seconds", seconds},
                                   {"mb_per_s", static_cast<double>(bytes) / seconds / 1e6}};
    std::printf("%s\n", result.dump().c_str());
    std::fflush(stdout);
  }
  return 0;
}

// NAME:SIZE:OVERLAP, e.g. recursive:1000:200.
ChunkerConfig parse_chunker(const std::string& spec) {
  const size_t first = spec.find(':'), second = spec.find(':', first + 1);
  if (first == std::string::npos || second == std::string::npos)
    chunkwise::fail(chunkwise::ErrorKind::invalid_input, "chunker '{}' is not NAME:SIZE:OVERLAP", spec);
  ChunkerConfig config;
  config.name = spec.substr(0, first);
  config.size = std::stoul(spec.substr(first + 1, second - first - 1));
  config.overlap = std::stoul(spec.substr(second + 1));
  config.overlap_set = true;
  return config;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string arg = argv[i];
      const auto value = [&]() -> std::string {
        if (i + 1 >= argc) chunkwise::fail(chunkwise::ErrorKind::invalid_input, "{} needs a value", arg);
        return argv[++i];
      };
      if (arg == "--corpus") {
        options.corpus = value();
      } else if (arg == "--ext") {
        options.ext = value();
      } else if (arg == "--repeat") {
        options.repeat = std::max(1, std::stoi(value()));
      } else if (arg == "--min-seconds") {
        options.min_seconds = std::stod(value());
      } else if (arg == "--passes") {
        options.passes = std::max(1, std::stoi(value()));
      } else if (!arg.starts_with("--")) {
        options.chunkers.push_back(parse_chunker(arg));
      } else {
        std::fprintf(
            stderr,
            "usage: chunk_bench --corpus DIR [--ext .md] [--repeat N] [--min-seconds S] [--passes P] "
            "NAME:SIZE:OVERLAP...\n");
        return 2;
      }
    }
    if (options.corpus.empty() || options.chunkers.empty()) {
      std::fprintf(stderr, "chunk_bench: --corpus and at least one NAME:SIZE:OVERLAP are required\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chunk_bench: %s\n", e.what());
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "chunk_bench: %s\n", e.what());
    return 1;
  }
}
