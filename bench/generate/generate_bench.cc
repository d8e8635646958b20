// End-to-end generation throughput of a decoder on the CPU (issue 4, "Performance"):
//   (a) the machine's memory read bandwidth (multi-threaded sum over a buffer much larger than the LLC),
//   (b) prefill of a P-token prompt (tok/s, best of N),
//   (c) greedy decode at batch 1 after that prefill (tok/s over S steps, best of N), with the bytes a step
//       reads (every weight once: the layers, the final norm and the LM head, which is the embedding table
//       when tied and then counted once; the embedding row is left out) plus the KV cache it reads, and that
//       rate as a fraction of (a),
//   (d) peak RSS (getrusage ru_maxrss) against the bytes of the weights, read right after the decode runs so
//       that the buffers of the measurements after it do not count,
//   (e) for the gaps: the same decode step's and prefill's projections alone (runtime::linear only), and one
//       prefill's time per op (runtime/op_profile.h).
// --matmul-precision f32|bf16x2|bf16 sets how bf16 products may round their inputs (runtime/ops/linear.h).
// One JSON line per measurement (the shape bench/generate/torch_generate_bench.py prints too), then a
// summary.
//
//   generate_bench MODEL_DIR [--threads N] [--prompt 512] [--steps 64] [--prefill-reps 3] [--decode-reps 3]
//                  [--bandwidth-mib 2048] [--bandwidth-reps 10] [--matmul-precision f32]
#include <immintrin.h>
#include <sys/resource.h>

// GCC 12's AVX-512 intrinsics start from _mm512_undefined_*() values and trip -Wuninitialized once inlined.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic ignored "-Wuninitialized"
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#endif

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "../memory_read.h"
#include "model/decoder_model.h"
#include "model/weights.h"
#include "runtime/cpu/linear_amx.h"
#include "runtime/op_profile.h"
#include "runtime/ops/linear.h"
#include "runtime/tensor.h"
#include "runtime/thread_pool.h"

namespace chunkwise {
namespace {

using Clock = std::chrono::steady_clock;
using model::DecoderModel;
using model::ForwardBatch;

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

struct Options {
  std::string model_dir;
  int threads = 0;  // 0: default_thread_count()
  int prompt = 512;
  int steps = 64;
  int prefill_reps = 3;
  int decode_reps = 3;
  int64_t bandwidth_mib = 2048;
  int bandwidth_reps = 10;
  runtime::MatmulPrecision precision = runtime::MatmulPrecision::f32;
};

[[noreturn]] void usage(const std::string& message) {
  std::cerr
      << "generate_bench: " << message
      << "\nusage: generate_bench MODEL_DIR [--threads N] [--prompt 512] [--steps 64] [--prefill-reps 3]"
         " [--decode-reps 3] [--bandwidth-mib 2048] [--bandwidth-reps 10] [--matmul-precision f32]\n";
  std::exit(2);
}

Options parse(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    auto value = [&]() -> int64_t {
      if (i + 1 >= argc) usage(arg + " needs a value");
      char* end = nullptr;
      const long long parsed = std::strtoll(argv[++i], &end, 10);
      if (*end != '\0' || parsed < 0) usage(arg + ": not a count: " + argv[i]);
      return parsed;
    };
    if (arg == "--matmul-precision") {
      if (i + 1 >= argc) usage(arg + " needs a value");
      try {
        options.precision = runtime::parse_matmul_precision(argv[++i]);
      } catch (const std::exception& e) {
        usage(e.what());
      }
    } else if (arg == "--threads")
      options.threads = int(value());
    else if (arg == "--prompt")
      options.prompt = int(value());
    else if (arg == "--steps")
      options.steps = int(value());
    else if (arg == "--prefill-reps")
      options.prefill_reps = int(value());
    else if (arg == "--decode-reps")
      options.decode_reps = int(value());
    else if (arg == "--bandwidth-mib")
      options.bandwidth_mib = value();
    else if (arg == "--bandwidth-reps")
      options.bandwidth_reps = int(value());
    else if (!arg.empty() && arg[0] == '-')
      usage("unknown option " + arg);
    else if (options.model_dir.empty())
      options.model_dir = arg;
    else
      usage("more than one model directory");
  }
  if (options.model_dir.empty()) usage("no model directory");
  if (options.prompt < 1 || options.steps < 1 || options.prefill_reps < 1 || options.decode_reps < 1 ||
      options.bandwidth_reps < 1 || options.bandwidth_mib < 1)
    usage("counts must be at least 1");
  return options;
}

void emit(nlohmann::json line) {
  line["impl"] = "chunkwise";
  std::cout << line.dump() << std::endl;
}

// ---- memory bandwidth -----------------------------------------------------------------------------------

// Read bandwidth in bytes/s: the pool's threads sum disjoint 16 KiB-multiple slices of the buffer; best pass.
double measure_bandwidth(int64_t mib, int reps, double* mean_out) {
  const int64_t count = mib * (int64_t(1) << 18);  // floats
  runtime::Tensor buffer = runtime::Tensor::empty({count}, runtime::DType::f32);
  float* data = buffer.data<float>();
  runtime::cpu_thread_pool().parallel_for(count / 4096, 16, [&](int64_t begin, int64_t end) {
    for (int64_t i = begin * 4096; i < end * 4096; ++i) data[i] = float(i & 1023) * (1.0f / 1024.0f);
  });
  std::vector<double> rates;
  volatile float sink = 0;
  for (int rep = 0; rep < reps + 1; ++rep) {  // the first pass is a warm-up
    const Clock::time_point start = Clock::now();
    const float sum = chunkwise::bench::read_pass(data, count);
    const double elapsed = seconds_since(start);
    sink = sink + sum;
    if (rep > 0) rates.push_back(double(count) * 4 / elapsed);
  }
  double mean = 0;
  for (const double r : rates) mean += r / double(rates.size());
  *mean_out = mean;
  return *std::max_element(rates.begin(), rates.end());
}

// ---- model -----------------------------------------------------------------------------------------------

// Bytes of the weights one decode step reads: every tensor the model binds, but of the embedding table only a
// row, unless it is also the (tied) LM head, which reads it whole, once.
struct WeightBytes {
  uint64_t all = 0;        // every tensor the model binds (tied embedding once)
  uint64_t per_step = 0;   // read by one decode step
  uint64_t embedding = 0;  // the embedding table
};

WeightBytes weight_bytes(const DecoderModel& decoder) {
  const model::ModelDirectory& directory = decoder.directory();
  const auto& spec = std::get<model::DecoderSpec>(directory.weights);
  WeightBytes bytes;
  for (const model::TensorSpec* tensor : model::all_tensors(directory)) {
    const auto view = directory.checkpoint.find(tensor->name);
    if (!view) continue;
    bytes.all += view->bytes.size();
    if (tensor->name == spec.embed_tokens.name) bytes.embedding = view->bytes.size();
  }
  bytes.per_step = bytes.all;
  if (!decoder.config().tie_word_embeddings || !decoder.has_lm_head()) {
    const uint64_t row = bytes.embedding / uint64_t(decoder.config().vocab_size);
    bytes.per_step = bytes.all - bytes.embedding + row;
  }
  return bytes;
}

// The projections of one decode step in forward order (q, k, v, o, gate, up, down per layer, then the LM
// head), bound as the model binds them.
std::vector<runtime::Tensor> step_projections(const DecoderModel& decoder) {
  const model::ModelDirectory& directory = decoder.directory();
  const auto& spec = std::get<model::DecoderSpec>(directory.weights);
  std::vector<runtime::Tensor> weights;
  for (const model::DecoderLayerSpec& layer : spec.layers)
    for (const model::LinearSpec* linear :
         {&layer.attention.q, &layer.attention.k, &layer.attention.v, &layer.attention.o, &layer.mlp.gate,
          &layer.mlp.up, &layer.mlp.down})
      weights.push_back(model::bind_weight(directory.checkpoint, linear->weight));
  weights.push_back(
      model::bind_weight(directory.checkpoint, spec.lm_head ? *spec.lm_head : spec.embed_tokens));
  return weights;
}

// Deterministic prompt ids spread over the vocabulary.
std::vector<int32_t> prompt_ids(int count, int64_t vocab) {
  std::vector<int32_t> ids;
  uint32_t state = 12345;
  for (int i = 0; i < count; ++i) {
    state = state * 1664525u + 1013904223u;
    ids.push_back(int32_t((state >> 8) % uint32_t(vocab)));
  }
  return ids;
}

int32_t argmax(const runtime::Tensor& logits) {
  const float* data = logits.data<float>();
  const int64_t n = logits.numel();
  return int32_t(std::max_element(data, data + n) - data);
}

// "VmRSS", "RssAnon", "RssFile" of /proc/self/status in bytes (0 where missing).
uint64_t proc_status_bytes(const std::string& key) {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind(key + ":", 0) == 0)
      return std::strtoull(line.c_str() + key.size() + 1, nullptr, 10) * 1024;
  return 0;
}

uint64_t peak_rss_bytes() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return uint64_t(usage.ru_maxrss) * 1024;  // KiB on Linux
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  const size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The op profile collected so far as a JSON record: per op calls and seconds, and the time outside ops.
nlohmann::json profile_record(const char* measure, double total_seconds, nlohmann::json record) {
  nlohmann::json ops = nlohmann::json::object();
  double op_seconds = 0;
  for (const runtime::OpTime& op : runtime::op_profile()) {
    ops[op.op] = {{"calls", op.calls}, {"s", op.seconds}};
    op_seconds += op.seconds;
  }
  record["measure"] = measure;
  record["total_s"] = total_seconds;
  record["outside_ops_s"] = total_seconds - op_seconds;
  record["ops"] = ops;
  return record;
}

int run(const Options& options) {
  if (options.threads > 0) runtime::set_cpu_thread_count(options.threads);
  runtime::set_matmul_precision(options.precision);
  const int threads = runtime::cpu_thread_pool().num_threads();

  const Clock::time_point load_start = Clock::now();
  const DecoderModel decoder = DecoderModel::load(options.model_dir);
  const double load_seconds = seconds_since(load_start);
  const model::ModelConfig& config = decoder.config();
  const WeightBytes weights = weight_bytes(decoder);
  emit({{"measure", "model"},
        {"model_dir", options.model_dir},
        {"architecture", config.architecture_name},
        {"hidden", config.hidden_size},
        {"layers", config.num_layers},
        {"heads", config.num_heads},
        {"kv_heads", config.num_kv_heads},
        {"head_dim", config.head_dim},
        {"intermediate", config.intermediate_size},
        {"vocab", config.vocab_size},
        {"tied_embeddings", config.tie_word_embeddings},
        {"weight_bytes", weights.all},
        {"weight_bytes_per_step", weights.per_step},
        {"threads", threads},
        {"amx", runtime::cpu::amx_available()},
        {"amx_plan", runtime::cpu::describe(runtime::cpu::amx_linear_plan_in_use())},
        {"load_s", load_seconds}});

  // One cache for the whole run: room for the prompt and the decode steps of one sequence. Each repetition
  // starts again at position 0 and overwrites it.
  constexpr int kBlockSize = 16;
  const int capacity = options.prompt + options.steps;
  runtime::KvCache cache(decoder.kv_cache_shape((capacity + kBlockSize - 1) / kBlockSize, kBlockSize));
  runtime::BlockTable blocks;
  for (int b = 0; b < cache.shape().num_blocks; ++b) blocks.push_back(b);
  const std::vector<int32_t> prompt = prompt_ids(options.prompt, config.vocab_size);
  auto prefill = [&] {
    return argmax(decoder.logits(ForwardBatch::for_sequence(prompt, 0, blocks, true), cache));
  };

  // (b) prefill: one warm-up (it also faults the weights in), then the timed repetitions.
  prefill();
  std::vector<double> prefill_seconds;
  for (int rep = 0; rep < options.prefill_reps; ++rep) {
    const Clock::time_point start = Clock::now();
    prefill();
    prefill_seconds.push_back(seconds_since(start));
  }
  const double prefill_best = *std::min_element(prefill_seconds.begin(), prefill_seconds.end());
  emit({{"measure", "prefill"},
        {"tokens", options.prompt},
        {"reps", options.prefill_reps},
        {"best_s", prefill_best},
        {"median_s", median(prefill_seconds)},
        {"tok_per_s", options.prompt / prefill_best},
        {"matmul_precision", runtime::to_string(options.precision)},
        {"threads", threads}});

  // One more prefill with the op profile on: where its time goes.
  runtime::reset_op_profile();
  runtime::set_op_profiling(true);
  const Clock::time_point profiled_start = Clock::now();
  prefill();
  const double profiled_seconds = seconds_since(profiled_start);
  runtime::set_op_profiling(false);
  emit(profile_record("prefill_profile", profiled_seconds,
                      {{"tokens", options.prompt}, {"threads", threads}}));

  // (c) decode: per repetition an untimed prefill, then `steps` greedy steps timed together.
  const auto kv = cache.shape();
  const uint64_t kv_bytes_per_position = uint64_t(kv.num_layers) * 2 * uint64_t(kv.kv_heads) *
                                         uint64_t(kv.head_dim) * runtime::size_of(cache.dtype());
  // Step s (0-based) attends over prompt + s + 1 positions.
  const double mean_positions = options.prompt + (options.steps + 1) / 2.0;
  const double kv_bytes_per_step = double(kv_bytes_per_position) * mean_positions;
  const double bytes_per_step = double(weights.per_step) + kv_bytes_per_step;
  std::vector<double> decode_seconds;
  std::vector<int32_t> generated;
  for (int rep = 0; rep < options.decode_reps; ++rep) {
    int32_t token = prefill();
    generated.assign(1, token);
    const Clock::time_point start = Clock::now();
    for (int step = 0; step < options.steps; ++step) {
      const ForwardBatch batch = ForwardBatch::for_sequence({token}, options.prompt + step, blocks, true);
      token = argmax(decoder.logits(batch, cache));
      generated.push_back(token);
    }
    decode_seconds.push_back(seconds_since(start));
  }
  const double decode_best = *std::min_element(decode_seconds.begin(), decode_seconds.end());

  // The same steps once more with the op profile on.
  {
    int32_t token = prefill();
    runtime::reset_op_profile();
    runtime::set_op_profiling(true);
    const Clock::time_point start = Clock::now();
    for (int step = 0; step < options.steps; ++step)
      token = argmax(
          decoder.logits(ForwardBatch::for_sequence({token}, options.prompt + step, blocks, true), cache));
    const double total = seconds_since(start);
    runtime::set_op_profiling(false);
    emit(profile_record("decode_profile", total, {{"steps", options.steps}, {"threads", threads}}));
  }
  const double step_seconds = decode_best / options.steps;

  // The model's peak RSS: read before the measurements below allocate their own buffers.
  const uint64_t peak_rss = peak_rss_bytes();
  const uint64_t rss_anon = proc_status_bytes("RssAnon"), rss_file = proc_status_bytes("RssFile");

  // The same steps' projections alone (runtime::linear on 1-row inputs, no attention or small ops): how much
  // of a step the matrix-vector products take.
  const std::vector<runtime::Tensor> projections = step_projections(decoder);
  uint64_t projection_bytes = 0;
  for (const runtime::Tensor& w : projections) projection_bytes += w.bytes();
  std::vector<runtime::Tensor> inputs;
  for (const runtime::Tensor& w : projections) {
    std::vector<float> x(size_t(w.dim(1)), 0.01f);
    inputs.push_back(runtime::from_host(x.data(), {1, w.dim(1)}, runtime::DType::f32, runtime::Device::cpu));
  }
  std::vector<double> projection_seconds;
  for (int rep = 0; rep < options.decode_reps + 1; ++rep) {  // the first is a warm-up
    const Clock::time_point start = Clock::now();
    for (int step = 0; step < options.steps; ++step)
      for (size_t i = 0; i < projections.size(); ++i) runtime::linear(inputs[i], projections[i], nullptr);
    if (rep > 0) projection_seconds.push_back(seconds_since(start));
  }
  const double projection_step =
      *std::min_element(projection_seconds.begin(), projection_seconds.end()) / options.steps;

  // Likewise the prefill's projections alone: every layer's on `prompt` rows, the LM head on one.
  std::vector<double> prefill_projection_seconds;
  {
    std::vector<runtime::Tensor> prompt_inputs;
    for (const int64_t features : {config.hidden_size, config.intermediate_size}) {
      std::vector<float> x(size_t(options.prompt * features), 0.01f);
      prompt_inputs.push_back(runtime::from_host(x.data(), {options.prompt, features}, runtime::DType::f32,
                                                 runtime::Device::cpu));
    }
    for (int rep = 0; rep < options.prefill_reps + 1; ++rep) {  // the first is a warm-up
      const Clock::time_point start = Clock::now();
      for (size_t i = 0; i + 1 < projections.size(); ++i)
        runtime::linear(prompt_inputs[projections[i].dim(1) == config.hidden_size ? 0 : 1], projections[i],
                        nullptr);
      runtime::linear(inputs.back(), projections.back(), nullptr);
      if (rep > 0) prefill_projection_seconds.push_back(seconds_since(start));
    }
  }
  const double prefill_projections =
      *std::min_element(prefill_projection_seconds.begin(), prefill_projection_seconds.end());
  double prefill_flops = 0;
  for (size_t i = 0; i < projections.size(); ++i)
    prefill_flops += 2.0 * double(projections[i].numel()) * (i + 1 < projections.size() ? options.prompt : 1);

  // (a) bandwidth, after the RSS reading.
  double bandwidth_mean = 0;
  const double bandwidth = measure_bandwidth(options.bandwidth_mib, options.bandwidth_reps, &bandwidth_mean);
  emit({{"measure", "memory_bandwidth"},
        {"buffer_bytes", options.bandwidth_mib << 20},
        {"reps", options.bandwidth_reps},
        {"best_GB_per_s", bandwidth / 1e9},
        {"mean_GB_per_s", bandwidth_mean / 1e9},
        {"threads", threads}});

  const double decode_rate = bytes_per_step / step_seconds;
  emit({{"measure", "decode"},
        {"batch", 1},
        {"context", options.prompt},
        {"steps", options.steps},
        {"reps", options.decode_reps},
        {"best_s", decode_best},
        {"median_s", median(decode_seconds)},
        {"tok_per_s", options.steps / decode_best},
        {"step_ms", step_seconds * 1e3},
        {"weight_bytes_per_step", weights.per_step},
        {"kv_bytes_per_step", kv_bytes_per_step},
        {"kv_dtype", runtime::to_string(cache.dtype())},
        {"bytes_per_step", bytes_per_step},
        {"GB_per_s", decode_rate / 1e9},
        {"bandwidth_utilization", decode_rate / bandwidth},
        {"first_tokens",
         std::vector<int32_t>(generated.begin(), generated.begin() + std::min<size_t>(8, generated.size()))},
        {"threads", threads}});
  emit({{"measure", "decode_projections_only"},
        {"steps", options.steps},
        {"reps", options.decode_reps},
        {"linears_per_step", projections.size()},
        {"bytes_per_step", projection_bytes},
        {"step_ms", projection_step * 1e3},
        {"share_of_decode_step", projection_step / step_seconds},
        {"GB_per_s", double(projection_bytes) / projection_step / 1e9},
        {"bandwidth_utilization", double(projection_bytes) / projection_step / bandwidth},
        {"threads", threads}});
  emit({{"measure", "prefill_projections_only"},
        {"tokens", options.prompt},
        {"reps", options.prefill_reps},
        {"best_s", prefill_projections},
        {"share_of_prefill", prefill_projections / prefill_best},
        {"GFLOP_per_s", prefill_flops / prefill_projections / 1e9},
        {"matmul_precision", runtime::to_string(options.precision)},
        {"threads", threads}});
  emit({{"measure", "peak_rss"},
        {"peak_rss_bytes", peak_rss},
        {"rss_anon_bytes", rss_anon},
        {"rss_file_bytes", rss_file},
        {"weight_bytes", weights.all},
        {"kv_cache_bytes", cache.bytes()},
        {"ratio", double(peak_rss) / double(weights.all)},
        {"note", "ru_maxrss after prefill and decode; weights are memory-mapped (file-backed RSS)"}});

  std::printf(
      "summary chunkwise threads=%d: prefill %d tok %.1f tok/s | decode b1 %.2f tok/s (%.2f ms/step, %.2f "
      "GB/step,"
      " %.1f GB/s = %.0f%% of %.1f GB/s; projections alone %.2f ms) | peak RSS %.2f GB = %.2fx weights %.2f "
      "GB\n",
      threads, options.prompt, options.prompt / prefill_best, options.steps / decode_best, step_seconds * 1e3,
      bytes_per_step / 1e9, decode_rate / 1e9, 100 * decode_rate / bandwidth, bandwidth / 1e9,
      projection_step * 1e3, peak_rss / 1e9, double(peak_rss) / double(weights.all), weights.all / 1e9);
  return 0;
}

}  // namespace
}  // namespace chunkwise

int main(int argc, char** argv) {
  const chunkwise::Options options = chunkwise::parse(argc, argv);
  try {
    return chunkwise::run(options);
  } catch (const std::exception& error) {
    std::cerr << "generate_bench: " << error.what() << "\n";
    return 1;
  }
}
