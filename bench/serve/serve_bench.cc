// Serving benchmark: replays a RAG-shaped trace against the serving engine (in process, no HTTP) at
// increasing request rates, once per engine configuration, and prints TTFT and time-between-tokens
// percentiles and throughput side by side (one JSON line per configuration and rate, then a table).
//
// Trace: a pool of `--sets` source sets; each set is a shared system prompt plus `--chunks` chunks of about
// `--chunk-tokens` tokens of real text (lines of a corpus file); every request takes a set (uniformly at
// random), appends a question of its own, and asks for `--answer-tokens` tokens (EOS ignored). Requests that
// share a set share a long prompt prefix, as RAG requests over the same retrieved chunks do. Arrivals are a
// Poisson process at each rate; the same seed gives the same trace for every configuration.
//
// Configurations: chunked prefill on (token budget --budget) / off (whole prompts, vLLM's classic policy),
// each with prefix caching on and off.
//   serve_bench --model DIR --corpus FILE [--rates 1,2,4] [--requests 40] ...
#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <fstream>
#include <iostream>
#include <mutex>
#include <nlohmann/json.hpp>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "model/decoder_model.h"
#include "serve/engine.h"
#include "text/tokenizer/tokenizer.h"

namespace {

using namespace chunkwise;
using Clock = std::chrono::steady_clock;

struct Options {
  std::string model;
  std::string corpus;
  std::vector<double> rates = {1, 2, 4};
  int requests = 40;
  int sets = 4;
  int chunks = 4;
  int chunk_tokens = 200;
  int answer_tokens = 32;
  int budget = 256;
  int max_num_seqs = 16;
  uint64_t seed = 1;
};

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  const double rank = p / 100 * double(values.size() - 1);
  const size_t low = size_t(rank);
  const size_t high = std::min(values.size() - 1, low + 1);
  return values[low] + (values[high] - values[low]) * (rank - double(low));
}

struct Trace {
  std::vector<std::vector<int32_t>> prompts;
  std::vector<double> arrivals;  // seconds from the start
};

Trace make_trace(const text::Tokenizer& tokenizer, const std::vector<std::string>& lines, const Options& o,
                 double rate) {
  std::mt19937_64 rng(o.seed);
  // Source sets: a shared instruction and `chunks` chunks of consecutive corpus lines.
  const std::vector<int32_t> system =
      tokenizer.encode("Answer from the documents and cite them.\n\n", /*add_special_tokens=*/false);
  std::vector<std::vector<int32_t>> sets;
  size_t line = 0;
  for (int s = 0; s < o.sets; ++s) {
    std::vector<int32_t> prefix = system;
    for (int c = 0; c < o.chunks; ++c) {
      const std::string label = fmt::format("[{}] ", c + 1);
      const auto l = tokenizer.encode(label, false);
      prefix.insert(prefix.end(), l.begin(), l.end());
      int taken = 0;
      while (taken < o.chunk_tokens) {
        const auto ids = tokenizer.encode(lines[line++ % lines.size()] + "\n", false);
        prefix.insert(prefix.end(), ids.begin(), ids.end());
        taken += int(ids.size());
      }
    }
    sets.push_back(std::move(prefix));
  }
  Trace trace;
  std::exponential_distribution<double> gap(rate);
  double at = 0;
  for (int r = 0; r < o.requests; ++r) {
    std::vector<int32_t> prompt = sets[rng() % sets.size()];
    const auto question = tokenizer.encode(
        fmt::format("\nQuestion {}: {}?\n", r, lines[(rng() % lines.size())].substr(0, 60)), false);
    prompt.insert(prompt.end(), question.begin(), question.end());
    trace.prompts.push_back(std::move(prompt));
    trace.arrivals.push_back(at);
    at += gap(rng);
  }
  return trace;
}

struct RequestTimes {
  Clock::time_point submitted;
  std::vector<Clock::time_point> tokens;
  int64_t cached = 0;
  bool done = false;
};

nlohmann::json run(const model::DecoderModel& model, const text::Tokenizer& tokenizer, const Trace& trace,
                   const Options& o, bool chunked, bool prefix_caching, double rate) {
  serve::EngineOptions options;
  options.scheduler.max_num_seqs = o.max_num_seqs;
  options.scheduler.max_batched_tokens = o.budget;
  options.scheduler.chunked_prefill = chunked;
  options.prefix_caching = prefix_caching;
  serve::Engine engine(model, tokenizer, options);
  engine.start();
  std::vector<RequestTimes> times(trace.prompts.size());
  std::mutex mutex;
  std::condition_variable all_done;
  size_t finished = 0;
  const Clock::time_point start = Clock::now();
  for (size_t i = 0; i < trace.prompts.size(); ++i) {
    std::this_thread::sleep_until(start + std::chrono::duration_cast<Clock::duration>(
                                              std::chrono::duration<double>(trace.arrivals[i])));
    serve::EngineRequest request;
    request.prompt = trace.prompts[i];
    request.sampling.temperature = 0;
    request.stop.max_tokens = o.answer_tokens;
    times[i].submitted = Clock::now();
    engine.submit(std::move(request), [&, i](const serve::SequenceOutput& output) {
      std::lock_guard lock(mutex);
      times[i].tokens.push_back(Clock::now());
      times[i].cached = output.cached_tokens;
      if (output.finish_reason || output.error) {
        times[i].done = true;
        ++finished;
        all_done.notify_all();
      }
    });
  }
  {
    std::unique_lock lock(mutex);
    all_done.wait(lock, [&] { return finished == trace.prompts.size(); });
  }
  const double wall = std::chrono::duration<double>(Clock::now() - start).count();
  engine.stop();
  std::vector<double> ttft, tbt;
  int64_t tokens = 0, prompt_tokens = 0, cached = 0;
  for (size_t i = 0; i < times.size(); ++i) {
    const RequestTimes& t = times[i];
    ttft.push_back(std::chrono::duration<double>(t.tokens.front() - t.submitted).count());
    for (size_t k = 1; k < t.tokens.size(); ++k)
      tbt.push_back(std::chrono::duration<double>(t.tokens[k] - t.tokens[k - 1]).count());
    tokens += int64_t(t.tokens.size());
    prompt_tokens += int64_t(trace.prompts[i].size());
    cached += t.cached;
  }
  return {{"chunked_prefill", chunked},
          {"prefix_caching", prefix_caching},
          {"rate", rate},
          {"requests", trace.prompts.size()},
          {"prompt_tokens_mean", double(prompt_tokens) / double(trace.prompts.size())},
          {"cached_fraction", double(cached) / double(prompt_tokens)},
          {"ttft_p50_ms", percentile(ttft, 50) * 1e3},
          {"ttft_p99_ms", percentile(ttft, 99) * 1e3},
          {"tbt_p50_ms", percentile(tbt, 50) * 1e3},
          {"tbt_p99_ms", percentile(tbt, 99) * 1e3},
          {"output_tokens_per_s", double(tokens) / wall},
          {"wall_s", wall}};
}

std::vector<double> parse_rates(const std::string& text) {
  std::vector<double> rates;
  size_t at = 0;
  while (at < text.size()) {
    const size_t comma = std::min(text.find(',', at), text.size());
    rates.push_back(std::stod(text.substr(at, comma - at)));
    at = comma + 1;
  }
  return rates;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--model")
      o.model = value;
    else if (flag == "--corpus")
      o.corpus = value;
    else if (flag == "--rates")
      o.rates = parse_rates(value);
    else if (flag == "--requests")
      o.requests = std::stoi(value);
    else if (flag == "--sets")
      o.sets = std::stoi(value);
    else if (flag == "--chunks")
      o.chunks = std::stoi(value);
    else if (flag == "--chunk-tokens")
      o.chunk_tokens = std::stoi(value);
    else if (flag == "--answer-tokens")
      o.answer_tokens = std::stoi(value);
    else if (flag == "--budget")
      o.budget = std::stoi(value);
    else if (flag == "--max-num-seqs")
      o.max_num_seqs = std::stoi(value);
    else if (flag == "--seed")
      o.seed = std::stoull(value);
    else {
      std::cerr << "unknown option " << flag << "\n";
      return 2;
    }
  }
  if (o.model.empty() || o.corpus.empty()) {
    std::cerr
        << "usage: serve_bench --model DIR --corpus TEXT_FILE [--rates 1,2,4] [--requests 40] [--sets 4]\n"
           "  [--chunks 4] [--chunk-tokens 200] [--answer-tokens 32] [--budget 256] [--max-num-seqs 16]\n";
    return 2;
  }
  try {
    const model::DecoderModel model = model::DecoderModel::load(o.model);
    const text::Tokenizer tokenizer = text::Tokenizer::load(o.model);
    std::ifstream in(o.corpus);
    std::vector<std::string> lines;
    for (std::string line; std::getline(in, line);)
      if (line.size() > 20) lines.push_back(line);
    if (lines.empty()) throw std::runtime_error("no usable lines in " + o.corpus);
    std::vector<nlohmann::json> results;
    for (double rate : o.rates) {
      const Trace trace = make_trace(tokenizer, lines, o, rate);
      for (const auto& [chunked, prefix] :
           {std::pair{true, true}, std::pair{false, true}, std::pair{true, false}, std::pair{false, false}}) {
        results.push_back(run(model, tokenizer, trace, o, chunked, prefix, rate));
        std::cout << results.back().dump() << std::endl;
      }
    }
    std::cout << "\n| rate req/s | chunked prefill | prefix caching | cached | TTFT p50 ms | TTFT p99 ms | "
                 "TBT p50 ms "
                 "| TBT p99 ms | output tok/s |\n|---:|---|---|---:|---:|---:|---:|---:|---:|\n";
    for (const auto& r : results)
      std::cout << fmt::format("| {} | {} | {} | {:.0f}% | {:.1f} | {:.1f} | {:.1f} | {:.1f} | {:.1f} |\n",
                               r["rate"].get<double>(), r["chunked_prefill"].get<bool>() ? "on" : "off",
                               r["prefix_caching"].get<bool>() ? "on" : "off",
                               100 * r["cached_fraction"].get<double>(), r["ttft_p50_ms"].get<double>(),
                               r["ttft_p99_ms"].get<double>(), r["tbt_p50_ms"].get<double>(),
                               r["tbt_p99_ms"].get<double>(), r["output_tokens_per_s"].get<double>());
    std::cout << "\nratios at each rate (from the same run):\n";
    for (size_t i = 0; i + 3 < results.size(); i += 4) {
      const auto &both = results[i], &unchunked = results[i + 1], &uncached = results[i + 2],
                 &neither = results[i + 3];
      auto ratio = [](const nlohmann::json& a, const nlohmann::json& b, const char* key) {
        return a[key].get<double>() / b[key].get<double>();
      };
      std::cout << fmt::format(
          "rate {}: chunked prefill cuts TBT p99 {:.2f}x without prefix caching ({:.2f}x with), at "
          "throughput {:.2f}x ({:.2f}x); prefix caching cuts TTFT p50 {:.2f}x, p99 {:.2f}x (chunked prefill "
          "on)\n",
          both["rate"].get<double>(), ratio(neither, uncached, "tbt_p99_ms"),
          ratio(unchunked, both, "tbt_p99_ms"), ratio(uncached, neither, "output_tokens_per_s"),
          ratio(both, unchunked, "output_tokens_per_s"), ratio(uncached, both, "ttft_p50_ms"),
          ratio(uncached, both, "ttft_p99_ms"));
    }
  } catch (const std::exception& e) {
    std::cerr << "serve_bench: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
