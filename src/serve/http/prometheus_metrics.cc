#include "serve/http/prometheus_metrics.h"

#include <fmt/format.h>

namespace chunkwise::serve::http {

namespace {

void metric(std::string& out, const char* name, const char* type, const char* help, double value) {
  out += fmt::format("# HELP {0} {1}\n# TYPE {0} {2}\n{0} {3}\n", name, help, type, value);
}

}  // namespace

void PrometheusMetrics::count_response(int status) {
  std::lock_guard lock(mutex_);
  ++responses_[status];
}

std::string PrometheusMetrics::render(const Engine& engine) const {
  const EngineCounters c = engine.counters();
  std::string out;
  metric(out, "chunkwise:num_requests_running", "gauge", "Requests in the running batch.", double(c.running));
  metric(out, "chunkwise:num_requests_waiting", "gauge", "Requests waiting to be scheduled.",
         double(c.waiting));
  metric(out, "chunkwise:kv_cache_blocks_used", "gauge", "KV cache blocks held by requests.",
         double(c.kv_blocks_used));
  metric(out, "chunkwise:kv_cache_blocks_total", "gauge", "KV cache blocks.", double(c.kv_blocks_total));
  metric(out, "chunkwise:kv_cache_usage_perc", "gauge", "Fraction of KV cache blocks held by requests.",
         c.kv_blocks_total > 0 ? double(c.kv_blocks_used) / double(c.kv_blocks_total) : 0.0);
  metric(out, "chunkwise:prefix_cache_queries_total", "counter",
         "Prompt tokens looked up in the prefix cache.", double(c.prefix_cache_queries));
  metric(out, "chunkwise:prefix_cache_hits_total", "counter", "Prompt tokens found in the prefix cache.",
         double(c.prefix_cache_hits));
  metric(out, "chunkwise:prompt_tokens_total", "counter", "Prompt tokens computed.", double(c.prompt_tokens));
  metric(out, "chunkwise:generation_tokens_total", "counter", "Tokens generated.",
         double(c.generation_tokens));
  metric(out, "chunkwise:num_preemptions_total", "counter", "Requests preempted for KV cache space.",
         double(c.preemptions));
  out +=
      "# HELP chunkwise:request_total Requests that left the engine, by outcome.\n"
      "# TYPE chunkwise:request_total counter\n";
  out += fmt::format("chunkwise:request_total{{outcome=\"finished\"}} {}\n", c.requests_finished);
  out += fmt::format("chunkwise:request_total{{outcome=\"cancelled\"}} {}\n", c.requests_cancelled);
  out += fmt::format("chunkwise:request_total{{outcome=\"failed\"}} {}\n", c.requests_failed);
  out += engine.time_to_first_token().prometheus("chunkwise:time_to_first_token_seconds",
                                                 "Time from arrival to the first generated token.");
  out += engine.time_between_tokens().prometheus("chunkwise:time_between_tokens_seconds",
                                                 "Time between two generated tokens of a request.");
  out +=
      "# HELP chunkwise:http_responses_total HTTP responses by status code.\n"
      "# TYPE chunkwise:http_responses_total counter\n";
  std::lock_guard lock(mutex_);
  for (const auto& [status, count] : responses_)
    out += fmt::format("chunkwise:http_responses_total{{status=\"{}\"}} {}\n", status, count);
  return out;
}

}  // namespace chunkwise::serve::http
