#include "serve/latency_histogram.h"

#include <fmt/format.h>

#include <algorithm>

namespace chunkwise::serve {

LatencyHistogram::LatencyHistogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

void LatencyHistogram::observe(double seconds) {
  std::lock_guard lock(mutex_);
  const auto bucket = std::ranges::lower_bound(bounds_, seconds) - bounds_.begin();
  ++counts_[size_t(bucket)];
  ++count_;
  sum_ += seconds;
}

LatencyHistogram::Snapshot LatencyHistogram::snapshot() const {
  std::lock_guard lock(mutex_);
  Snapshot s{bounds_, {}, count_, sum_};
  uint64_t running = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) s.cumulative.push_back(running += counts_[i]);
  return s;
}

std::string LatencyHistogram::prometheus(const std::string& name, const std::string& help) const {
  const Snapshot s = snapshot();
  std::string out = fmt::format("# HELP {0} {1}\n# TYPE {0} histogram\n", name, help);
  for (size_t i = 0; i < s.bounds.size(); ++i)
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, s.bounds[i], s.cumulative[i]);
  out += fmt::format("{0}_bucket{{le=\"+Inf\"}} {1}\n{0}_sum {2}\n{0}_count {1}\n", name, s.count, s.sum);
  return out;
}

}  // namespace chunkwise::serve
