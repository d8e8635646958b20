// The AMX product's plans that the tests run against the default one (linear_amx_test.cc on real tiles,
// linear_amx_emulated_test.cc on the scalar model): every knob away from its default, and small sizes that
// make partial tasks, K blocks that do not divide K, and L1 passes that do not divide a K block.
#pragma once

#include <vector>

#include "runtime/cpu/linear_amx.h"

namespace chunkwise::runtime::cpu {

inline std::vector<AmxLinearPlan> amx_test_plans() {
  return {
      {.pack = AmxLinearPlan::Pack::transpose},
      {.l1_steps = 4},
      {.l1_steps = 3, .pack = AmxLinearPlan::Pack::transpose},
      {.prefetch = true},
      {.l1_steps = 3, .prefetch = true},
      {.task_rows = 64, .task_columns = 512, .k_block_steps = 8, .l1_steps = 2},
      {.task_rows = 32, .task_columns = 32, .k_block_steps = 5},
  };
}

}  // namespace chunkwise::runtime::cpu
