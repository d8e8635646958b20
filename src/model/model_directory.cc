#include "model/model_directory.h"

#include <set>

#include "common/error.h"

namespace chunkwise::model {
namespace {

std::string shape_text(std::span<const int64_t> shape) {
  return fmt::format("[{}]", fmt::join(shape, ", "));
}

// The checkpoint's module prefix: the first candidate under which the embedding table exists. If none
// matches, the first candidate, so the error names the tensor transformers would look for.
std::string detect_prefix(const Checkpoint& checkpoint, const std::vector<std::string>& candidates,
                          const std::string& embedding_name) {
  for (const auto& prefix : candidates) {
    if (checkpoint.find(prefix + embedding_name)) return prefix;
  }
  return candidates.front();
}

}  // namespace

std::vector<std::string> check_weights(const Checkpoint& checkpoint,
                                       const std::vector<const TensorSpec*>& spec) {
  std::set<std::string_view> needed;
  for (const TensorSpec* expected : spec) {
    needed.insert(expected->name);
    const auto tensor = checkpoint.find(expected->name);
    if (!tensor) {
      fail(ErrorKind::invalid_input, "{}: missing tensor '{}' (expected shape {})", checkpoint.source_name(),
           expected->name, shape_text(expected->shape));
    }
    if (!std::equal(tensor->shape.begin(), tensor->shape.end(), expected->shape.begin(),
                    expected->shape.end())) {
      fail(ErrorKind::invalid_input, "{}: tensor '{}': shape {}, expected {} from config.json",
           tensor->file_name, expected->name, shape_text(tensor->shape), shape_text(expected->shape));
    }
    if (!is_supported_weight_dtype(tensor->dtype)) {
      fail(ErrorKind::unsupported, "{}: tensor '{}': dtype {} is not supported (F32, F16, BF16)",
           tensor->file_name, expected->name, to_string(tensor->dtype));
    }
  }
  std::vector<std::string> unused;
  for (const auto& tensor : checkpoint.tensors()) {
    if (!needed.contains(tensor.name)) unused.emplace_back(tensor.name);
  }
  return unused;
}

std::vector<const TensorSpec*> all_tensors(const ModelDirectory& model) {
  return std::visit([](const auto& spec) { return all_tensors(spec); }, model.weights);
}

ModelDirectory open_model_directory(const std::filesystem::path& dir) {
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec))
    fail(ErrorKind::not_found, "{}: no such model directory", dir.string());
  ModelConfig config = with_context(dir.string(), [&] { return load_model_config(dir / "config.json"); });
  std::optional<GenerationConfig> generation;
  if (std::filesystem::exists(dir / "generation_config.json", ec)) {
    generation =
        with_context(dir.string(), [&] { return load_generation_config(dir / "generation_config.json"); });
  }
  Checkpoint checkpoint = Checkpoint::open(dir);

  ModelDirectory model{
      .path = dir,
      .config = std::move(config),
      .generation = std::move(generation),
      .checkpoint = std::move(checkpoint),
      .weights = DecoderSpec{},
      .tensor_prefix = {},
      .unused_tensors = {},
  };
  if (model.config.is_decoder()) {
    // *ForCausalLM saves "model.layers...", a bare *Model saved on its own (Qwen3-Embedding) "layers...".
    const std::vector<std::string> prefixes = model.config.has_lm_head
                                                  ? std::vector<std::string>{"model."}
                                                  : std::vector<std::string>{"model.", ""};
    model.tensor_prefix = detect_prefix(model.checkpoint, prefixes, "embed_tokens.weight");
    model.weights = decoder_spec(model.config, model.tensor_prefix);
  } else {
    const std::string family_prefix = model.config.architecture == Architecture::bert ? "bert." : "roberta.";
    model.tensor_prefix =
        detect_prefix(model.checkpoint, {"", family_prefix}, "embeddings.word_embeddings.weight");
    model.weights = encoder_spec(model.config, model.tensor_prefix);
  }
  model.unused_tensors =
      with_context(dir.string(), [&] { return check_weights(model.checkpoint, all_tensors(model)); });
  return model;
}

}  // namespace chunkwise::model
