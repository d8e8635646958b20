#include "runtime/ops/rope.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "runtime/cpu/cpu_ops.h"
#include "runtime/debug_dump.h"
#include "runtime/op_profile.h"
#include "runtime/ops/checks.h"

namespace chunkwise::runtime {

namespace {

// transformers' _compute_default_rope_parameters: 1 / base^(2i / dim).
std::vector<double> default_inv_freq(double base, int dim) {
  std::vector<double> inv_freq(size_t(dim / 2));
  for (int i = 0; i < dim / 2; ++i) inv_freq[size_t(i)] = 1.0 / std::pow(base, double(2 * i) / dim);
  return inv_freq;
}

void require_positive(double value, const char* field, const char* type) {
  if (!(value > 0))
    fail(ErrorKind::invalid_input, "rope_scaling type {}: {} must be > 0, got {}", type, field, value);
}

// _compute_llama3_parameters.
std::vector<double> llama3_inv_freq(const RopeConfig& config, int dim) {
  require_positive(config.factor, "factor", "llama3");
  // transformers 5 falls back to max_position_embeddings when original_max_position_embeddings is absent.
  double old_context_len =
      double(config.original_max_position_embeddings > 0 ? config.original_max_position_embeddings
                                                         : config.max_position_embeddings);
  require_positive(old_context_len, "original_max_position_embeddings (or max_position_embeddings)",
                   "llama3");
  if (config.high_freq_factor == config.low_freq_factor)
    fail(ErrorKind::invalid_input, "rope_scaling type llama3: high_freq_factor equals low_freq_factor ({})",
         config.low_freq_factor);
  std::vector<double> inv_freq = default_inv_freq(config.theta, dim);
  double low_freq_wavelen = old_context_len / config.low_freq_factor;
  double high_freq_wavelen = old_context_len / config.high_freq_factor;
  for (double& f : inv_freq) {
    double wavelen = 2 * std::numbers::pi / f;
    if (wavelen > low_freq_wavelen) {
      f = f / config.factor;
    } else if (!(wavelen < high_freq_wavelen)) {  // medium frequency: interpolate
      double smooth = (old_context_len / wavelen - config.low_freq_factor) /
                      (config.high_freq_factor - config.low_freq_factor);
      f = (1 - smooth) * f / config.factor + smooth * f;
    }
  }
  return inv_freq;
}

// _compute_yarn_parameters as transformers 5 computes it (the version our reference logits come from): an
// explicit factor wins; without one, factor = max_position_embeddings / original_max_position_embeddings.
// (transformers 4.4x-4.5x instead replaced an explicit factor by that ratio whenever
// original_max_position_embeddings was present; both agree when the config is consistent.)
std::vector<double> yarn_inv_freq(const RopeConfig& config, int dim, double& attention_factor) {
  double original_max =
      double(config.original_max_position_embeddings > 0 ? config.original_max_position_embeddings
                                                         : config.max_position_embeddings);
  require_positive(original_max, "original_max_position_embeddings (or max_position_embeddings)", "yarn");
  double factor = config.factor;
  if (factor == 0) {
    require_positive(double(config.max_position_embeddings), "max_position_embeddings", "yarn");
    factor = double(config.max_position_embeddings) / original_max;
  }
  require_positive(factor, "factor", "yarn");
  auto mscale_of = [](double scale, double mscale) {
    return scale <= 1 ? 1.0 : 0.1 * mscale * std::log(scale) + 1.0;
  };
  attention_factor = config.attention_factor;
  if (attention_factor == 0) {
    if (config.mscale != 0 && config.mscale_all_dim != 0)
      attention_factor = mscale_of(factor, config.mscale) / mscale_of(factor, config.mscale_all_dim);
    else
      attention_factor = mscale_of(factor, 1);
  }
  double beta_fast = config.beta_fast != 0 ? config.beta_fast : 32;
  double beta_slow = config.beta_slow != 0 ? config.beta_slow : 1;
  double base = config.theta;
  auto correction_dim = [&](double rotations) {
    return (dim * std::log(original_max / (rotations * 2 * std::numbers::pi))) / (2 * std::log(base));
  };
  double low = correction_dim(beta_fast);
  double high = correction_dim(beta_slow);
  if (config.truncate) {
    low = std::floor(low);
    high = std::ceil(high);
  }
  low = std::max(low, 0.0);
  high = std::min(high, double(dim - 1));
  if (low == high) high += 0.001;  // prevent a division by zero, as transformers does
  std::vector<double> inv_freq(size_t(dim / 2));
  for (int i = 0; i < dim / 2; ++i) {
    double pos_freq = std::pow(base, double(2 * i) / dim);
    double extrapolation = 1.0 / pos_freq;
    double interpolation = 1.0 / (factor * pos_freq);
    double ramp = std::clamp((i - low) / (high - low), 0.0, 1.0);
    double extrapolation_factor = 1 - ramp;
    inv_freq[size_t(i)] = interpolation * (1 - extrapolation_factor) + extrapolation * extrapolation_factor;
  }
  return inv_freq;
}

}  // namespace

RopeTable rope_table(const RopeConfig& config, int head_dim, int64_t seq_len) {
  if (head_dim <= 0) fail(ErrorKind::invalid_input, "rope: head_dim must be > 0, got {}", head_dim);
  if (!(config.theta > 0))
    fail(ErrorKind::invalid_input, "rope: rope_theta must be > 0, got {}", config.theta);
  if (!(config.partial_rotary_factor > 0 && config.partial_rotary_factor <= 1))
    fail(ErrorKind::invalid_input, "rope: partial_rotary_factor must be in (0, 1], got {}",
         config.partial_rotary_factor);
  int dim = int(head_dim * config.partial_rotary_factor);
  if (dim < 2 || dim % 2 != 0)
    fail(ErrorKind::invalid_input,
         "rope: rotary dimension {} (head_dim {} x partial_rotary_factor {}) must be even", dim, head_dim,
         config.partial_rotary_factor);
  RopeTable table;
  table.rotary_dim = dim;
  std::vector<double> inv_freq;
  double attention_factor = 1.0;
  switch (config.type) {
    case RopeType::default_:
      inv_freq = default_inv_freq(config.theta, dim);
      break;
    case RopeType::linear:
      require_positive(config.factor, "factor", "linear");
      inv_freq = default_inv_freq(config.theta, dim);
      for (double& f : inv_freq) f /= config.factor;
      break;
    case RopeType::dynamic: {
      require_positive(config.factor, "factor", "dynamic");
      double max_positions = double(config.max_position_embeddings);
      require_positive(max_positions, "max_position_embeddings", "dynamic");
      double seq = double(seq_len) > max_positions ? double(seq_len) : max_positions;
      double base = config.theta * std::pow(config.factor * seq / max_positions - (config.factor - 1),
                                            double(dim) / (dim - 2));
      inv_freq = default_inv_freq(base, dim);
      break;
    }
    case RopeType::yarn:
      inv_freq = yarn_inv_freq(config, dim, attention_factor);
      break;
    case RopeType::llama3:
      inv_freq = llama3_inv_freq(config, dim);
      break;
  }
  table.inv_freq.assign(inv_freq.begin(), inv_freq.end());
  table.attention_factor = float(attention_factor);
  return table;
}

void rope_inplace(Tensor& x, int head_dim, std::span<const int32_t> positions, const RopeTable& table,
                  std::string_view name) {
  check_dtype("rope", "input", x, DType::f32);
  check_rank("rope", "input", x, 2, 3);
  if (head_dim <= 0) fail(ErrorKind::invalid_input, "rope: head_dim must be > 0, got {}", head_dim);
  int64_t per_token = x.numel() / std::max<int64_t>(x.dim(0), 1);
  if (x.dim(-1) % head_dim != 0 || (x.rank() == 3 && x.dim(2) != head_dim))
    fail(ErrorKind::invalid_input, "rope: input {} is not [tokens, heads * {}] or [tokens, heads, {}]",
         to_string(x.shape()), head_dim, head_dim);
  if (int64_t(positions.size()) != x.dim(0))
    fail(ErrorKind::invalid_input, "rope: {} positions for {} tokens (input {})", positions.size(), x.dim(0),
         to_string(x.shape()));
  if (table.rotary_dim < 2 || table.rotary_dim % 2 != 0 || table.rotary_dim > head_dim ||
      table.inv_freq.size() != size_t(table.rotary_dim / 2))
    fail(ErrorKind::invalid_input,
         "rope: table with rotary_dim {} and {} frequencies does not fit head_dim {}", table.rotary_dim,
         table.inv_freq.size(), head_dim);
  for (size_t t = 0; t < positions.size(); ++t)
    if (positions[t] < 0)
      fail(ErrorKind::invalid_input, "rope: token {} has negative position {}", t, positions[t]);
  ScopedOpTimer op_timer("rope");
  switch (x.device()) {
    case Device::cpu:
      cpu::rope(x, per_token / head_dim, head_dim, positions, table);
      break;
    case Device::cuda:
      fail(ErrorKind::unsupported, "rope: CUDA backend not built");
  }
  debug_dump(name, x);
}

}  // namespace chunkwise::runtime
