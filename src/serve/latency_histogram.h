// A Prometheus histogram of latencies in seconds (cumulative buckets, sum, count); thread-safe.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <vector>

namespace chunkwise::serve {

class LatencyHistogram {
 public:
  explicit LatencyHistogram(std::vector<double> bounds);  // upper bounds in seconds, ascending

  void observe(double seconds);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // observations <= bounds[i]
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot snapshot() const;

  // The exposition-format lines of this histogram as `name` (with _bucket, _sum and _count).
  std::string prometheus(const std::string& name, const std::string& help) const;

 private:
  mutable std::mutex mutex_;
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace chunkwise::serve
