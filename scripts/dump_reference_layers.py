#!/usr/bin/env python3
"""Dumps the intermediate tensors of a Hugging Face decoder's forward pass under chunkwise's names, in the format of
chunkwise's CHUNKWISE_DUMP_DIR (one raw little-endian f32 file per tensor + index.json), so that
scripts/compare_layer_dumps.py can show the first layer where the two implementations part.

    python3 scripts/dump_reference_layers.py MODEL_DIR --ids 1,2,3 --out ref-dump
    CHUNKWISE_DUMP_DIR=our-dump chunkwise generate --model MODEL_DIR --prompt-ids 1,2,3 --max-tokens 1
    python3 scripts/compare_layer_dumps.py ref-dump our-dump

Names (chunkwise's, see src/model/decoder_model.cc): token_embd; layer<i>.attn_norm, .attn_q, .attn_k, .attn_v,
.attn_q_norm, .attn_k_norm (Qwen3), .attn (attention output before o_proj), .attn_out, .attn_residual, .ffn_norm,
.ffn_gate, .ffn_up, .ffn_act, .ffn_out, .ffn_residual; output_norm; output (logits). The rotated q/k
(attn_q_rope, attn_k_rope) have no module in transformers and are not dumped. Needs torch + transformers (the GPU
machine has them); runs on CPU in float32 with eager attention.
"""

import argparse
import json
import os
import struct
import sys

try:
    import torch
    from transformers import AutoModelForCausalLM
except ImportError as error:  # pragma: no cover
    sys.exit(f"dump_reference_layers.py needs torch and transformers: {error}")


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--ids", required=True, help="comma-separated prompt token ids")
    parser.add_argument("--out", required=True, help="directory for the dump (created)")
    args = parser.parse_args()
    ids = [int(x) for x in args.ids.split(",") if x.strip()]
    os.makedirs(args.out, exist_ok=True)
    try:
        model = AutoModelForCausalLM.from_pretrained(args.model_dir, dtype=torch.float32, attn_implementation="eager")
    except TypeError:
        model = AutoModelForCausalLM.from_pretrained(args.model_dir, torch_dtype=torch.float32,
                                                     attn_implementation="eager")
    model.eval()
    index = {}

    def save(name, tensor):
        data = tensor.detach().float().contiguous().reshape(-1).tolist()
        file = name + ".f32"
        with open(os.path.join(args.out, file), "wb") as f:
            f.write(struct.pack(f"<{len(data)}f", *data))
        shape = list(tensor.shape)
        if shape and shape[0] == 1 and len(shape) > 2:  # drop the batch axis, as chunkwise has none
            shape = shape[1:]
        index[name] = {"name": name, "file": file, "shape": shape}

    def output_hook(name):
        return lambda module, inputs, output: save(name, output[0] if isinstance(output, tuple) else output)

    def input_hook(name):
        return lambda module, inputs: save(name, inputs[0])

    body = model.model
    body.embed_tokens.register_forward_hook(output_hook("token_embd"))
    for i, layer in enumerate(body.layers):
        p = f"layer{i}."
        layer.input_layernorm.register_forward_hook(output_hook(p + "attn_norm"))
        attention = layer.self_attn
        for proj, name in (("q_proj", "attn_q"), ("k_proj", "attn_k"), ("v_proj", "attn_v")):
            getattr(attention, proj).register_forward_hook(output_hook(p + name))
        for norm, name in (("q_norm", "attn_q_norm"), ("k_norm", "attn_k_norm")):
            if hasattr(attention, norm):
                getattr(attention, norm).register_forward_hook(output_hook(p + name))
        attention.o_proj.register_forward_pre_hook(input_hook(p + "attn"))
        attention.o_proj.register_forward_hook(output_hook(p + "attn_out"))
        layer.post_attention_layernorm.register_forward_pre_hook(input_hook(p + "attn_residual"))
        layer.post_attention_layernorm.register_forward_hook(output_hook(p + "ffn_norm"))
        layer.mlp.gate_proj.register_forward_hook(output_hook(p + "ffn_gate"))
        layer.mlp.up_proj.register_forward_hook(output_hook(p + "ffn_up"))
        layer.mlp.down_proj.register_forward_pre_hook(input_hook(p + "ffn_act"))
        layer.mlp.down_proj.register_forward_hook(output_hook(p + "ffn_out"))
        layer.register_forward_hook(output_hook(p + "ffn_residual"))
    body.norm.register_forward_hook(output_hook("output_norm"))
    model.lm_head.register_forward_hook(output_hook("output"))

    with torch.no_grad():
        model(torch.tensor([ids]), use_cache=False)
    with open(os.path.join(args.out, "index.json"), "w") as f:
        json.dump(list(index.values()), f, indent=1)
        f.write("\n")
    print(f"{len(index)} tensors in {args.out}")


if __name__ == "__main__":
    main()
