// Counts the work a render does and stops it at a limit. The interpreter owns the meter; value operations
// deep inside (comparisons, printing, copying, searching) charge the meter of the render running on their
// thread, so that no single operation on large values escapes the limit.
#pragma once

#include <cstdint>

namespace chunkwise::text::jinja {

class WorkMeter {
 public:
  // Becomes the current meter of this thread until destroyed.
  explicit WorkMeter(std::uint64_t limit);
  ~WorkMeter();
  WorkMeter(const WorkMeter&) = delete;
  WorkMeter& operator=(const WorkMeter&) = delete;

  // Throws chunkwise::Error (invalid_input) once the total exceeds the limit.
  void charge(std::uint64_t units);
  std::uint64_t used() const { return used_; }

 private:
  std::uint64_t limit_;
  std::uint64_t used_ = 0;
  WorkMeter* previous_;
};

// Charges the current meter of this thread; does nothing outside a render.
void charge_work(std::uint64_t units);

}  // namespace chunkwise::text::jinja
