#include "runtime/op_profile.h"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>

namespace chunkwise::runtime {

namespace {

bool profiling_from_environment() {
  const char* value = std::getenv("CHUNKWISE_PROFILE");
  return value != nullptr && *value != '\0' && std::strcmp(value, "0") != 0;
}

std::atomic<bool>& profiling() {
  static std::atomic<bool> enabled{profiling_from_environment()};
  return enabled;
}

struct Totals {
  std::mutex mutex;
  std::map<std::string, OpTime, std::less<>> by_op;
};

Totals& totals() {
  static Totals instance;
  return instance;
}

}  // namespace

void set_op_profiling(bool enabled) {
  profiling().store(enabled);
}

bool op_profiling_enabled() {
  return profiling().load(std::memory_order_relaxed);
}

std::vector<OpTime> op_profile() {
  Totals& t = totals();
  std::lock_guard lock(t.mutex);
  std::vector<OpTime> result;
  for (const auto& [op, time] : t.by_op) result.push_back(time);
  std::sort(result.begin(), result.end(),
            [](const OpTime& a, const OpTime& b) { return a.seconds > b.seconds; });
  return result;
}

void reset_op_profile() {
  Totals& t = totals();
  std::lock_guard lock(t.mutex);
  t.by_op.clear();
}

ScopedOpTimer::ScopedOpTimer(const char* op) {
  if (!op_profiling_enabled()) return;
  op_ = op;
  start_ = std::chrono::steady_clock::now();
}

ScopedOpTimer::~ScopedOpTimer() {
  if (op_ == nullptr) return;
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  Totals& t = totals();
  std::lock_guard lock(t.mutex);
  auto it = t.by_op.find(op_);
  if (it == t.by_op.end()) it = t.by_op.emplace(op_, OpTime{op_, 0, 0}).first;
  ++it->second.calls;
  it->second.seconds += seconds;
}

}  // namespace chunkwise::runtime
