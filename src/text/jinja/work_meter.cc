#include "text/jinja/work_meter.h"

#include "common/error.h"

namespace chunkwise::text::jinja {
namespace {
thread_local WorkMeter* current_meter = nullptr;
}

WorkMeter::WorkMeter(std::uint64_t limit) : limit_(limit), previous_(current_meter) {
  current_meter = this;
}

WorkMeter::~WorkMeter() {
  current_meter = previous_;
}

void WorkMeter::charge(std::uint64_t units) {
  used_ += units;
  if (used_ > limit_) {
    fail(ErrorKind::invalid_input, "template rendering exceeded its work limit of {} steps", limit_);
  }
}

void charge_work(std::uint64_t units) {
  if (current_meter) current_meter->charge(units);
}

}  // namespace chunkwise::text::jinja
