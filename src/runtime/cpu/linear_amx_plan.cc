// AmxLinearPlan from text (CHUNKWISE_AMX_PLAN) and back, and its checks; see linear_amx.h.
#include <charconv>
#include <cstdlib>
#include <stdexcept>
#include <string>

#include "common/error.h"
#include "runtime/cpu/linear_amx.h"

namespace chunkwise::runtime::cpu {

void check_amx_linear_plan(const AmxLinearPlan& plan) {
  if (plan.task_rows <= 0 || plan.task_rows % 32 != 0 || plan.task_columns <= 0 ||
      plan.task_columns % 32 != 0 || plan.k_block_steps < 0 || plan.l1_steps < 0)
    throw std::invalid_argument(
        "AMX linear plan: task rows " + std::to_string(plan.task_rows) + " and columns " +
        std::to_string(plan.task_columns) + " must be positive multiples of 32, K block and L1 steps " +
        std::to_string(plan.k_block_steps) + " and " + std::to_string(plan.l1_steps) + " not negative");
}

AmxLinearPlan parse_amx_linear_plan(std::string_view spec) {
  AmxLinearPlan plan;
  auto refuse = [&](const std::string& why) {
    throw std::invalid_argument("AMX linear plan '" + std::string(spec) + "': " + why +
                                " (expected e.g. l1_steps=4,pack=transpose,prefetch=1; keys task_rows, "
                                "task_columns, k_block_steps, l1_steps, pack, prefetch)");
  };
  for (size_t begin = 0; begin < spec.size();) {
    size_t end = spec.find(',', begin);
    if (end == std::string_view::npos) end = spec.size();
    const std::string_view item = spec.substr(begin, end - begin);
    begin = end + 1;
    if (item.empty()) continue;
    const size_t equals = item.find('=');
    if (equals == std::string_view::npos) refuse("'" + std::string(item) + "' is not key=value");
    const std::string_view key = item.substr(0, equals), value = item.substr(equals + 1);
    auto number = [&] {
      int64_t parsed = 0;
      const auto [rest, error] = std::from_chars(value.data(), value.data() + value.size(), parsed);
      if (error != std::errc() || rest != value.data() + value.size() || value.empty())
        refuse(std::string(key) + ": '" + std::string(value) + "' is not a whole number");
      return parsed;
    };
    if (key == "task_rows") {
      plan.task_rows = number();
    } else if (key == "task_columns") {
      plan.task_columns = number();
    } else if (key == "k_block_steps") {
      plan.k_block_steps = number();
    } else if (key == "l1_steps") {
      plan.l1_steps = number();
    } else if (key == "pack") {
      if (value == "gather")
        plan.pack = AmxLinearPlan::Pack::gather;
      else if (value == "transpose")
        plan.pack = AmxLinearPlan::Pack::transpose;
      else
        refuse("pack: '" + std::string(value) + "' is neither gather nor transpose");
    } else if (key == "prefetch") {
      if (value != "0" && value != "1") refuse("prefetch: '" + std::string(value) + "' is neither 0 nor 1");
      plan.prefetch = value == "1";
    } else {
      refuse("unknown key '" + std::string(key) + "'");
    }
  }
  try {
    check_amx_linear_plan(plan);
  } catch (const std::invalid_argument& e) {
    refuse(e.what());
  }
  return plan;
}

std::string describe(const AmxLinearPlan& plan) {
  return "task_rows=" + std::to_string(plan.task_rows) +
         ",task_columns=" + std::to_string(plan.task_columns) +
         ",k_block_steps=" + std::to_string(plan.k_block_steps) +
         ",l1_steps=" + std::to_string(plan.l1_steps) +
         ",pack=" + (plan.pack == AmxLinearPlan::Pack::gather ? "gather" : "transpose") +
         ",prefetch=" + (plan.prefetch ? "1" : "0");
}

const AmxLinearPlan& amx_linear_plan_in_use() {
  static const AmxLinearPlan plan = [] {
    const char* spec = std::getenv("CHUNKWISE_AMX_PLAN");
    if (!spec) return AmxLinearPlan{};
    try {
      return parse_amx_linear_plan(spec);
    } catch (const std::invalid_argument& e) {
      fail(ErrorKind::invalid_input, "CHUNKWISE_AMX_PLAN: {}", e.what());
    }
  }();
  return plan;
}

}  // namespace chunkwise::runtime::cpu
