// A Hugging Face model directory, opened and checked: config.json, generation_config.json (optional) and the
// safetensors weights, every tensor the architecture needs present with the shape the config implies and a
// supported dtype. This is the entry point the runtime loads models through.
#pragma once

#include <filesystem>
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "model/checkpoint.h"
#include "model/model_config.h"
#include "model/weight_layout.h"

namespace chunkwise::model {

struct ModelDirectory {
  std::filesystem::path path;
  ModelConfig config;
  std::optional<GenerationConfig> generation;  // generation_config.json, if present
  Checkpoint checkpoint;
  std::variant<DecoderSpec, EncoderSpec> weights;  // the specs the checkpoint was checked against
  std::string tensor_prefix;                       // "model.", "", "bert.", ...
  std::vector<std::string>
      unused_tensors;  // in the checkpoint but not in the spec (transformers ignores them)
};

// Throws Error(not_found) for a missing directory / config / weights, Error(unsupported) for an unknown
// architecture or a tensor dtype other than F32/F16/BF16, Error(invalid_input) naming the file and tensor for
// a missing tensor or a wrong shape.
ModelDirectory open_model_directory(const std::filesystem::path& dir);

// Checks `checkpoint` against `spec`: the same errors as open_model_directory. Returns the unused tensor
// names.
std::vector<std::string> check_weights(const Checkpoint& checkpoint,
                                       const std::vector<const TensorSpec*>& spec);

std::vector<const TensorSpec*> all_tensors(const ModelDirectory& model);

}  // namespace chunkwise::model
