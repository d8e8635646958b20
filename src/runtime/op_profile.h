// Where a forward pass spends its time: when profiling is on (set_op_profiling(true), or the environment
// variable CHUNKWISE_PROFILE=1 at start-up), every op front end adds the wall time of its kernel call (page
// faults of a fresh output included) to a total per op name. Off, a timer costs one relaxed atomic load.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace chunkwise::runtime {

void set_op_profiling(bool enabled);
bool op_profiling_enabled();

struct OpTime {
  std::string op;
  int64_t calls = 0;
  double seconds = 0;
};
// The totals so far, largest first.
std::vector<OpTime> op_profile();
void reset_op_profile();

// Adds the time from construction to destruction to `op` (a string literal) when profiling is on.
class ScopedOpTimer {
 public:
  explicit ScopedOpTimer(const char* op);
  ~ScopedOpTimer();
  ScopedOpTimer(const ScopedOpTimer&) = delete;
  ScopedOpTimer& operator=(const ScopedOpTimer&) = delete;

 private:
  const char* op_ = nullptr;  // null: not timing
  std::chrono::steady_clock::time_point start_;
};

}  // namespace chunkwise::runtime
