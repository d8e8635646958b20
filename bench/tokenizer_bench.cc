// Encode throughput of chunkwise tokenizers on a fixed corpus, printed as one JSON object per line:
//   {"impl":"chunkwise","tokenizer":NAME,"mode":"single"|"all","threads":N,"mb_per_s":X,"tokens":T,"bytes":B,...}
// "single": one thread encodes the lines one by one. "all": encode_batch over all hardware threads.
// MB/s is UTF-8 input bytes (10^6) per second of the best of several passes over the whole corpus.
// bench/tokenizer_bench.sh runs this and the reference implementations on the same corpus and files.
//   tokenizer_bench --corpus FILE.jsonl [--repeat N] [--min-seconds S] [--mode single|all|both] NAME=PATH...
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

#include "common/error.h"
#include "text/tokenizer/tokenizer.h"

namespace {

using chunkwise::text::Tokenizer;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string corpus;
  int repeat = 4;
  double min_seconds = 2.0;
  std::string mode = "both";
  std::vector<std::pair<std::string, std::string>> tokenizers;  // name, path
};

// The "text" lines of a JSONL corpus (lines given as base64 bytes are skipped, as the references skip them),
// the whole list repeated `repeat` times.
std::vector<std::string> read_corpus(const std::string& path, int repeat) {
  std::ifstream in(path);
  if (!in) chunkwise::fail(chunkwise::ErrorKind::not_found, "corpus {} not found", path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    const auto json = nlohmann::json::parse(line);
    if (json.contains("text")) lines.push_back(json.at("text").get<std::string>());
  }
  std::vector<std::string> repeated;
  for (int r = 0; r < repeat; ++r) repeated.insert(repeated.end(), lines.begin(), lines.end());
  return repeated;
}

// Runs `pass` until min_seconds have passed (at least 3 times) and returns the fastest pass in seconds.
template <typename Pass>
double best_seconds(double min_seconds, Pass&& pass) {
  pass();  // warm-up
  double best = 1e30;
  double total = 0;
  for (int runs = 0; runs < 3 || total < min_seconds; ++runs) {
    const auto start = Clock::now();
    pass();
    const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
    best = std::min(best, seconds);
    total += seconds;
  }
  return best;
}

void report(const std::string& name, const char* mode, unsigned threads, double seconds, size_t bytes,
            size_t tokens) {
  const nlohmann::json result = {
      {"impl", "chunkwise"}, {"tokenizer", name},
      {"mode", mode},        {"threads", threads},
      {"bytes", bytes},      {"tokens", tokens},
      {"seconds", seconds},  {"mb_per_s", static_cast<double>(bytes) / seconds / 1e6}};
  std::printf("%s\n", result.dump().c_str());
  std::fflush(stdout);
}

int run(const Options& options) {
  const std::vector<std::string> lines = read_corpus(options.corpus, options.repeat);
  size_t bytes = 0;
  for (const auto& line : lines) bytes += line.size();
  const unsigned hardware_threads = std::max(1u, std::thread::hardware_concurrency());

  for (const auto& [name, path] : options.tokenizers) {
    const Tokenizer tokenizer = Tokenizer::load(path);
    if (options.mode == "single" || options.mode == "both") {
      size_t tokens = 0;
      const double seconds = best_seconds(options.min_seconds, [&] {
        tokens = 0;
        for (const auto& line : lines) tokens += tokenizer.encode(line, false).size();
      });
      report(name, "single", 1, seconds, bytes, tokens);
    }
    if (options.mode == "all" || options.mode == "both") {
      size_t tokens = 0;
      const double seconds = best_seconds(options.min_seconds, [&] {
        tokens = 0;
        for (const auto& ids : tokenizer.encode_batch(lines, false, 0)) tokens += ids.size();
      });
      report(name, "all", hardware_threads, seconds, bytes, tokens);
    }
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw chunkwise::Error(chunkwise::ErrorKind::invalid_input, arg + " needs a value");
      return argv[++i];
    };
    try {
      if (arg == "--corpus") {
        options.corpus = value();
      } else if (arg == "--repeat") {
        options.repeat = std::stoi(value());
      } else if (arg == "--min-seconds") {
        options.min_seconds = std::stod(value());
      } else if (arg == "--mode") {
        options.mode = value();
      } else if (const size_t eq = arg.find('='); eq != std::string::npos && !arg.starts_with("--")) {
        options.tokenizers.emplace_back(arg.substr(0, eq), arg.substr(eq + 1));
      } else {
        std::fprintf(stderr,
                     "usage: tokenizer_bench --corpus FILE.jsonl [--repeat N] [--min-seconds S] "
                     "[--mode single|all|both] NAME=PATH...\n");
        return 2;
      }
    } catch (const std::exception& e) {
      std::fprintf(stderr, "tokenizer_bench: %s\n", e.what());
      return 2;
    }
  }
  if (options.corpus.empty() || options.tokenizers.empty()) {
    std::fprintf(stderr, "tokenizer_bench: --corpus and at least one NAME=PATH are required\n");
    return 2;
  }
  try {
    return run(options);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "tokenizer_bench: %s\n", e.what());
    return 1;
  }
}
