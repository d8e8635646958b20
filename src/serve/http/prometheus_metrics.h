// GET /metrics: the engine's counters and latency histograms, and HTTP responses by status, in Prometheus'
// text exposition format (names after vLLM's, prefixed chunkwise:).
#pragma once

#include <map>
#include <mutex>
#include <string>

#include "serve/engine.h"

namespace chunkwise::serve::http {

class PrometheusMetrics {
 public:
  void count_response(int status);
  std::string render(const Engine& engine) const;

 private:
  mutable std::mutex mutex_;
  std::map<int, int64_t> responses_;  // by status code
};

}  // namespace chunkwise::serve::http
