#!/usr/bin/env python3
"""A Llama-3.2-1B-shaped model with random bf16 weights, for the generation benchmark (bench/generate/).

Shape as tests/data/models/configs/llama-3.2-1b.tf5.json: hidden 2048, 16 layers, 32 heads, 8 KV heads,
head_dim 64, intermediate 8192, vocabulary 128256, tied embeddings, llama3 RoPE scaling. Weights are N(0, 0.02)
in bf16 from a fixed seed, norms 1; 1.24 B parameters, 2.47 GB.

    python3 scripts/make_bench_model.py /tmp/llama-3.2-1b-random [--seed 0] [--writer torch|raw]

--writer torch (the default when torch and transformers import): the model is built on the meta device,
materialised in bf16, filled with torch's normal_ and written by transformers' save_pretrained.
--writer raw (no torch needed; the fallback): writes config.json and model.safetensors itself, with values of
random sign and magnitude in [2^-7, 2^-5) drawn from os.urandom; the same tensor names, shapes and dtype
(transformers loads it too). Only for throughput measurements and local tests.
"""

import argparse
import json
import os
import struct
import sys
import time

CONFIG = {
    "architectures": ["LlamaForCausalLM"],
    "attention_bias": False,
    "attention_dropout": 0.0,
    "bos_token_id": 128000,
    "dtype": "bfloat16",
    "eos_token_id": [128001, 128008, 128009],
    "head_dim": 64,
    "hidden_act": "silu",
    "hidden_size": 2048,
    "initializer_range": 0.02,
    "intermediate_size": 8192,
    "max_position_embeddings": 131072,
    "mlp_bias": False,
    "model_type": "llama",
    "num_attention_heads": 32,
    "num_hidden_layers": 16,
    "num_key_value_heads": 8,
    "pretraining_tp": 1,
    "rms_norm_eps": 1e-05,
    "rope_parameters": {
        "factor": 32.0,
        "high_freq_factor": 4.0,
        "low_freq_factor": 1.0,
        "original_max_position_embeddings": 8192,
        "rope_theta": 500000.0,
        "rope_type": "llama3",
    },
    "tie_word_embeddings": True,
    "use_cache": True,
    "vocab_size": 128256,
}
STD = 0.02


def log(message):
    print(f"[make_bench_model {time.strftime('%H:%M:%S')}] {message}", flush=True)


def tensor_shapes(config):
    """(name, shape) of every saved tensor of LlamaForCausalLM with tied embeddings, in safetensors order."""
    h, inter, vocab = config["hidden_size"], config["intermediate_size"], config["vocab_size"]
    q = config["num_attention_heads"] * config["head_dim"]
    kv = config["num_key_value_heads"] * config["head_dim"]
    shapes = [("model.embed_tokens.weight", [vocab, h]), ("model.norm.weight", [h])]
    for layer in range(config["num_hidden_layers"]):
        p = f"model.layers.{layer}."
        shapes += [
            (p + "input_layernorm.weight", [h]),
            (p + "post_attention_layernorm.weight", [h]),
            (p + "self_attn.q_proj.weight", [q, h]),
            (p + "self_attn.k_proj.weight", [kv, h]),
            (p + "self_attn.v_proj.weight", [kv, h]),
            (p + "self_attn.o_proj.weight", [h, q]),
            (p + "mlp.gate_proj.weight", [inter, h]),
            (p + "mlp.up_proj.weight", [inter, h]),
            (p + "mlp.down_proj.weight", [h, inter]),
        ]
    if not config["tie_word_embeddings"]:
        shapes.append(("lm_head.weight", [vocab, h]))
    return sorted(shapes)


def write_raw(out_dir, config, seed):
    """config.json + model.safetensors without torch: bf16 bits of random sign, exponent 2^-7 or 2^-6 and
    mantissa (|x| in [2^-7, 2^-5), about the scale of N(0, 0.02)); norms 1.0."""
    del seed  # os.urandom: the values are not reproducible, only their distribution
    shapes = tensor_shapes(config)
    header, offset = {}, 0
    for name, shape in shapes:
        size = 2
        for d in shape:
            size *= d
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + size]}
        offset += size
    header["__metadata__"] = {"format": "pt"}
    header_bytes = json.dumps(header, separators=(",", ":")).encode()
    header_bytes += b" " * (-len(header_bytes) % 8)
    # High byte of a bf16 (little-endian: the second byte): sign | exponent bits 7..1 = 0b0111100 (exponent
    # 120 or 121 with the low byte's top bit): keep the random sign bit, set the rest.
    high_table = bytes((b & 0x80) | 0x3C for b in range(256))
    one_bf16 = struct.pack("<H", 0x3F80)
    chunk_elements = 1 << 24
    with open(os.path.join(out_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(header_bytes)))
        f.write(header_bytes)
        for name, shape in shapes:
            count = 1
            for d in shape:
                count *= d
            if len(shape) == 1:
                f.write(one_bf16 * count)
                continue
            written = 0
            while written < count:
                n = min(chunk_elements, count - written)
                buf = bytearray(os.urandom(2 * n))
                buf[1::2] = bytes(buf[1::2]).translate(high_table)
                f.write(buf)
                written += n
    with open(os.path.join(out_dir, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(out_dir, "generation_config.json"), "w") as f:
        json.dump({"bos_token_id": config["bos_token_id"], "eos_token_id": config["eos_token_id"]}, f, indent=2)


def write_torch(out_dir, config, seed):
    import torch
    import transformers
    from transformers import LlamaConfig, LlamaForCausalLM

    log(f"torch {torch.__version__}, transformers {transformers.__version__}")
    kwargs = {k: v for k, v in config.items() if k not in ("architectures", "model_type", "dtype")}
    llama_config = LlamaConfig(**kwargs)
    llama_config.architectures = ["LlamaForCausalLM"]
    default_dtype = torch.get_default_dtype()
    torch.set_default_dtype(torch.bfloat16)
    try:
        with torch.device("meta"):
            model = LlamaForCausalLM(llama_config)
    finally:
        torch.set_default_dtype(default_dtype)
    model = model.to_empty(device="cpu").to(torch.bfloat16)
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        seen = set()
        for name, parameter in model.named_parameters():
            if id(parameter) in seen:
                continue
            seen.add(id(parameter))
            if parameter.dim() == 1:
                parameter.fill_(1.0)
            else:
                parameter.normal_(0.0, STD, generator=generator)
    try:
        model.tie_weights()
    except Exception as error:  # the signature changed between transformers versions; tie by hand below
        log(f"tie_weights(): {error}")
    model.lm_head.weight = model.model.embed_tokens.weight
    assert model.lm_head.weight.data_ptr() == model.model.embed_tokens.weight.data_ptr(), "embeddings not tied"
    model.config.dtype = torch.bfloat16
    model.save_pretrained(out_dir)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out_dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--writer", choices=["torch", "raw"], default=None)
    args = parser.parse_args()
    writer = args.writer
    if writer is None:
        try:
            import torch  # noqa: F401
            import transformers  # noqa: F401

            writer = "torch"
        except ImportError:
            writer = "raw"
    os.makedirs(args.out_dir, exist_ok=True)
    start = time.time()
    log(f"writing {args.out_dir} with the {writer} writer, seed {args.seed}")
    if writer == "torch":
        write_torch(args.out_dir, dict(CONFIG), args.seed)
    else:
        write_raw(args.out_dir, dict(CONFIG), args.seed)
    files = sorted(os.listdir(args.out_dir))
    total = sum(os.path.getsize(os.path.join(args.out_dir, f)) for f in files)
    log(f"done in {time.time() - start:.1f} s: {', '.join(files)} ({total / 1e9:.3f} GB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
