// Test helper: writes safetensors files and model directories from C++, so tests need no Python or numpy.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <system_error>
#include <vector>

namespace chunkwise::model::testing {

struct TensorBytes {
  std::string name;
  std::string dtype;  // "F32", "BF16", ...
  std::vector<int64_t> shape;
  std::string bytes;  // raw little-endian data
};

inline size_t dtype_size(const std::string& dtype) {
  if (dtype == "F64" || dtype == "I64" || dtype == "U64" || dtype == "C64") return 8;
  if (dtype == "F32" || dtype == "I32" || dtype == "U32") return 4;
  if (dtype == "F16" || dtype == "BF16" || dtype == "I16" || dtype == "U16") return 2;
  return 1;
}

// A tensor filled with a recognisable pattern (element i of f32 = i * 0.5 + offset; 16-bit types zero).
inline TensorBytes make_tensor(std::string name, std::string dtype, std::vector<int64_t> shape,
                               float offset = 0) {
  int64_t numel = 1;
  for (int64_t dim : shape) numel *= dim;
  TensorBytes tensor{std::move(name), std::move(dtype), std::move(shape), {}};
  tensor.bytes.assign(static_cast<size_t>(numel) * dtype_size(tensor.dtype), '\0');
  if (tensor.dtype == "F32") {
    for (int64_t i = 0; i < numel; ++i) {
      const float value = static_cast<float>(i) * 0.5f + offset;
      std::memcpy(tensor.bytes.data() + 4 * i, &value, 4);
    }
  }
  return tensor;
}

inline std::string header_json(const std::vector<TensorBytes>& tensors, std::vector<uint64_t>& begins) {
  nlohmann::ordered_json header;
  header["__metadata__"] = {{"format", "pt"}};
  uint64_t offset = 0;
  for (const auto& tensor : tensors) {
    begins.push_back(offset);
    header[tensor.name] = {{"dtype", tensor.dtype},
                           {"shape", tensor.shape},
                           {"data_offsets", {offset, offset + tensor.bytes.size()}}};
    offset += tensor.bytes.size();
  }
  return header.dump();
}

// The file's bytes: 8-byte length, header JSON padded with spaces to a multiple of 8, data.
inline std::string safetensors_bytes(const std::vector<TensorBytes>& tensors) {
  std::vector<uint64_t> begins;
  std::string header = header_json(tensors, begins);
  while (header.size() % 8 != 0) header.push_back(' ');
  std::string out(8, '\0');
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  out += header;
  for (const auto& tensor : tensors) out += tensor.bytes;
  return out;
}

// Bytes of a file with a hand-written header (for malformed headers) and `data_size` zero bytes of data.
inline std::string safetensors_bytes_with_header(const std::string& header, size_t data_size) {
  std::string out(8, '\0');
  const uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<char>((length >> (8 * i)) & 0xff);
  return out + header + std::string(data_size, '\0');
}

inline void write_file(const std::filesystem::path& path, const std::string& bytes) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

// A fresh directory under the test temp dir, removed first if it exists and again when the test process
// exits. The process id keeps tests that ctest runs in parallel (one process per test) out of each other's
// directories.
inline std::filesystem::path fresh_dir(const std::string& name) {
  struct Created {
    std::vector<std::filesystem::path> dirs;
    ~Created() {
      std::error_code ignored;
      for (const auto& dir : dirs) std::filesystem::remove_all(dir, ignored);
    }
  };
  static Created created;
  const auto dir = std::filesystem::temp_directory_path() /
                   ("chunkwise_model_test_" + std::to_string(::getpid()) + "_" + name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  created.dirs.push_back(dir);
  return dir;
}

// Llama-naming tensors for a decoder, written out by hand (not from weight_layout) so the tests check the
// layout code against an independent list.
struct DecoderShape {
  int64_t vocab = 32, hidden = 16, intermediate = 24, layers = 2, heads = 4, kv_heads = 2, head_dim = 4;
  bool qkv_bias = false, qk_norm = false, lm_head = true;
  std::string dtype = "F32";
};

inline std::vector<TensorBytes> decoder_tensors(const DecoderShape& s) {
  std::vector<TensorBytes> out;
  auto add = [&](const std::string& name, std::vector<int64_t> shape) {
    out.push_back(make_tensor(name, s.dtype, std::move(shape), static_cast<float>(out.size())));
  };
  add("model.embed_tokens.weight", {s.vocab, s.hidden});
  for (int64_t i = 0; i < s.layers; ++i) {
    const std::string p = "model.layers." + std::to_string(i) + ".";
    add(p + "input_layernorm.weight", {s.hidden});
    add(p + "self_attn.q_proj.weight", {s.heads * s.head_dim, s.hidden});
    add(p + "self_attn.k_proj.weight", {s.kv_heads * s.head_dim, s.hidden});
    add(p + "self_attn.v_proj.weight", {s.kv_heads * s.head_dim, s.hidden});
    add(p + "self_attn.o_proj.weight", {s.hidden, s.heads * s.head_dim});
    if (s.qkv_bias) {
      add(p + "self_attn.q_proj.bias", {s.heads * s.head_dim});
      add(p + "self_attn.k_proj.bias", {s.kv_heads * s.head_dim});
      add(p + "self_attn.v_proj.bias", {s.kv_heads * s.head_dim});
    }
    if (s.qk_norm) {
      add(p + "self_attn.q_norm.weight", {s.head_dim});
      add(p + "self_attn.k_norm.weight", {s.head_dim});
    }
    add(p + "post_attention_layernorm.weight", {s.hidden});
    add(p + "mlp.gate_proj.weight", {s.intermediate, s.hidden});
    add(p + "mlp.up_proj.weight", {s.intermediate, s.hidden});
    add(p + "mlp.down_proj.weight", {s.hidden, s.intermediate});
  }
  add("model.norm.weight", {s.hidden});
  if (s.lm_head) add("lm_head.weight", {s.vocab, s.hidden});
  return out;
}

inline nlohmann::json decoder_config(const std::string& architecture, const DecoderShape& s) {
  return {{"architectures", {architecture}},
          {"vocab_size", s.vocab},
          {"hidden_size", s.hidden},
          {"intermediate_size", s.intermediate},
          {"num_hidden_layers", s.layers},
          {"num_attention_heads", s.heads},
          {"num_key_value_heads", s.kv_heads},
          {"head_dim", s.head_dim},
          {"rms_norm_eps", 1e-6},
          {"tie_word_embeddings", !s.lm_head},
          {"rope_parameters", {{"rope_type", "default"}, {"rope_theta", 10000.0}}},
          {"eos_token_id", 2},
          {"dtype", "float32"}};
}

inline void write_model_dir(const std::filesystem::path& dir, const nlohmann::json& config,
                            const std::vector<TensorBytes>& tensors) {
  write_file(dir / "config.json", config.dump(2));
  write_file(dir / "model.safetensors", safetensors_bytes(tensors));
}

}  // namespace chunkwise::model::testing
