// What `chunkwise inspect` reports: sizes, parameter count, dtypes and the memory a model needs.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "model/dtype.h"
#include "model/model_directory.h"

namespace chunkwise::model {

struct DTypeUsage {
  DType dtype = DType::f32;
  int64_t tensors = 0;
  uint64_t bytes = 0;
};

struct ModelSummary {
  int64_t parameter_count =
      0;                      // elements of the tensors the architecture uses (tied embeddings counted once)
  uint64_t weight_bytes = 0;  // bytes of those tensors as stored
  uint64_t weight_bytes_f32 = 0;  // the same converted to f32
  uint64_t file_bytes = 0;        // all safetensors files, headers and unused tensors included
  int64_t tensor_count = 0;
  int64_t unused_tensor_count = 0;
  std::vector<DTypeUsage> dtypes;  // of the used tensors
  // K and V for 1024 tokens over all layers; 0 for encoders (no cache).
  uint64_t kv_cache_bytes_per_1k_f32 = 0;
  uint64_t kv_cache_bytes_per_1k_f16 = 0;
};

ModelSummary summarize(const ModelDirectory& model);

// Human-readable report, and the same as JSON for `--json`.
std::string format_summary(const ModelDirectory& model, const ModelSummary& summary);
nlohmann::json summary_json(const ModelDirectory& model, const ModelSummary& summary);

}  // namespace chunkwise::model
