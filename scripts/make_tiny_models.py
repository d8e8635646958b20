#!/usr/bin/env python3
"""Tiny reference models for chunkwise's golden tests (issue 4, "Fidelity").

Builds, with a fixed seed, one tiny model per supported architecture and option with PyTorch + transformers
(hidden 64, 2-3 layers, a 512-token vocabulary: the tiny-lm tokenizer cut to its first 512 ids), two embedding
models (a bare Qwen3 decoder with last-token pooling, a BERT encoder with mean and CLS pooling) and the goldens of
the trained ../shared/models/tiny-lm, and writes:

  tiny-models/
    manifest.json                      every model: features, seed, files, versions, checks
    tokenizer-512/                     the cut tokenizer the decoders use (also copied into each model directory)
    <name>/tf5/                        as saved by the installed transformers (config.json with `rope_parameters`
                                       and `dtype`, chat_template.jinja)
    <name>/tf4/                        a transformers-4 style config.json (`rope_theta` + `rope_scaling`,
                                       `torch_dtype`), the chat template inside tokenizer_config.json, tokenizer_class
                                       PreTrainedTokenizerFast; its weight files are relative symlinks to ../tf5's
    <name>/golden/golden.json          prompt ids, greedy continuations (64 tokens) with top1-top2 margins,
                                       top-10 logits at every prompt position, last-token final hidden state
    <name>/golden/prompt<i>.logits.bin full f32 logits (raw little-endian, row-major [rows, vocab]) at the prompt
                                       positions listed in golden.json ("logit_positions")
    qwen3-embedder/, bert-tiny/        tf5/ and golden/golden.json with the L2-normalized pooled embeddings
    tiny-lm/golden/                    goldens only (the 25 MB weights stay in ../shared)

References are computed on CPU in float32 with eager attention; both saved layouts are reloaded through
transformers and must reproduce them. Weights are re-initialised with large values (std 0.2 / 0.5, norms
1 + 0.2 N(0,1), biases 0.2 N(0,1), final norm x4) so greedy choices have clear margins; a seed is rejected and the
next one tried if any greedy step has a top1-top2 logit margin below --min-margin (1e-2).

"greedy_ids" recompute the whole sequence at every step (the mathematical reference). "greedy_cached_ids" come
from transformers' generate() with its KV cache; it stops early when it produces token 0 (<|endoftext|>) even
though the generation config's eos_token_id is unset, and with dynamic NTK RoPE it differs from the recomputation
once the sequence passes max_position_embeddings (the cached keys keep the frequencies they were rotated with).

The device machine returns at most 8 files of 16 MiB from $OUT, so with $OUT set the tree is built in a temporary
directory and $OUT receives manifest.json and the tree as tiny-models.tar.xz (split into 15 MiB parts if needed).
Run it where torch + transformers are installed, with the trained tiny-lm next to it:

    OUT=/some/dir python3 scripts/make_tiny_models.py --tiny-lm-dir ../shared/models/tiny-lm --threads 16

then unpack into the repository (about 10 MB, no file over 1.4 MB):

    cat $OUT/tiny-models.tar.xz.part-* | tar -xJ -C tests/data/models/

(`--out DIR` writes the tree straight into DIR instead, without an archive; `--only a,b` builds a subset.)
"""

import argparse
import copy
import datetime
import inspect
import json
import math
import os
import shutil
import struct
import sys
import tarfile
import tempfile
import traceback

try:
    import torch
    import transformers
    from transformers import AutoModelForCausalLM
except ImportError as error:  # pragma: no cover - message for the person running it
    sys.exit(f"make_tiny_models.py needs torch and transformers: {error}")

GREEDY_TOKENS = 64
TOP_K = 10
TOKENIZER_FILES = ["tokenizer.json", "tokenizer_config.json", "chat_template.jinja", "special_tokens_map.json"]


def log(message):
    print(f"[make_tiny_models {datetime.datetime.now().strftime('%H:%M:%S')}] {message}", flush=True)


# ----------------------------------------------------------------------------------------------------------------
# The models. Each is a small dict; "config" holds the config-class keyword arguments, "rope" the RoPE parameters
# (transformers 5 `rope_parameters` layout: rope_type, rope_theta and the scaling fields).
# ----------------------------------------------------------------------------------------------------------------

def model_specs(hidden):
    heads = 4
    common = dict(
        hidden_size=hidden,
        intermediate_size=2 * hidden,
        num_hidden_layers=2,
        num_attention_heads=heads,
        num_key_value_heads=2,
        max_position_embeddings=256,
        rms_norm_eps=1e-6,
        tie_word_embeddings=True,
    )
    default_rope = {"rope_type": "default", "rope_theta": 10000.0}

    def spec(name, architecture, features, rope=None, save_dtype="float32", shards=1, **overrides):
        config = dict(common)
        config.update(overrides)
        return dict(name=name, architecture=architecture, features=features, config=config,
                    rope=rope or dict(default_rope), save_dtype=save_dtype, shards=shards)

    return [
        spec("llama-gqa", "llama", ["gqa", "untied"], tie_word_embeddings=False),
        spec("llama-tied", "llama", ["tied_embeddings", "mha"], num_key_value_heads=heads, num_hidden_layers=3),
        spec("llama-rope-llama3", "llama", ["gqa", "rope_llama3"],
             rope={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                   "high_freq_factor": 4.0, "original_max_position_embeddings": 32}),
        spec("llama-rope-linear", "llama", ["gqa", "rope_linear"],
             rope={"rope_type": "linear", "rope_theta": 10000.0, "factor": 2.0}),
        # factor == max_position_embeddings / original_max_position_embeddings, so every transformers version
        # derives the same scaling from it.
        spec("llama-rope-yarn", "llama", ["gqa", "rope_yarn"],
             rope={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                   "original_max_position_embeddings": 64}),
        # Dynamic NTK changes the frequencies once a sequence passes max_position_embeddings (64 here); the long
        # prompt (and every greedy continuation) passes it. See "greedy_cached_matches" in golden.json.
        spec("llama-rope-dynamic", "llama", ["gqa", "rope_dynamic"], max_position_embeddings=64,
             rope={"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0}),
        spec("mistral-sliding", "mistral", ["gqa", "sliding_window_16"], num_key_value_heads=1, sliding_window=16),
        spec("qwen2-bias", "qwen2", ["gqa", "qkv_bias"]),
        spec("qwen3-qk-norm", "qwen3", ["gqa", "qk_norm", "head_dim_32"], head_dim=32),
        spec("llama-bf16", "llama", ["gqa", "bf16_weights"], save_dtype="bfloat16"),
        spec("llama-sharded", "llama", ["gqa", "sharded_2", "untied"], shards=2, tie_word_embeddings=False),
    ]


PROMPTS = [
    {"name": "short", "text": "Hello"},
    {"name": "sentence", "text": "The quick brown fox jumps over the lazy dog."},
    {"name": "chat", "messages": [{"role": "system", "content": "You are a helpful assistant."},
                                  {"role": "user", "content": "What is the capital of France?"}]},
    {"name": "long", "text": ("Once upon a time, in a small village at the edge of a great forest, there lived an old "
                              "clockmaker who counted everything: one, two, three, four, five, six, seven, eight, nine, "
                              "ten. Every morning he walked to the river, listened to the water, and wrote down the "
                              "numbers he heard in a little book with a red cover.")},
]
LONG_PROMPT_MIN_TOKENS = 70  # past the sliding window (16) and the yarn / dynamic original lengths (64)


# ----------------------------------------------------------------------------------------------------------------
# transformers 4 / 5 compatibility
# ----------------------------------------------------------------------------------------------------------------

def config_class(architecture):
    from transformers import LlamaConfig, MistralConfig, Qwen2Config
    classes = {"llama": LlamaConfig, "mistral": MistralConfig, "qwen2": Qwen2Config}
    if architecture == "qwen3":
        from transformers import Qwen3Config
        return Qwen3Config
    return classes[architecture]


def accepts_argument(cls, name):
    fields = getattr(cls, "__dataclass_fields__", {}) or {}
    if name in fields:
        return True
    try:
        return name in inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return False


def make_config(spec, vocab_size, eos_id, pad_id):
    cls = config_class(spec["architecture"])
    kwargs = dict(spec["config"])
    kwargs.update(vocab_size=vocab_size, bos_token_id=None, eos_token_id=eos_id, pad_token_id=pad_id)
    rope = dict(spec["rope"])
    if accepts_argument(cls, "rope_parameters"):  # transformers 5
        kwargs["rope_parameters"] = rope
    else:  # transformers 4
        kwargs["rope_theta"] = rope.pop("rope_theta")
        kwargs["rope_scaling"] = None if rope["rope_type"] == "default" else rope
    config = cls(**kwargs)
    # Eager attention: the plain softmax(QK^T)V reference, with transformers' own sliding-window mask.
    try:
        config._attn_implementation = "eager"
    except Exception:  # noqa: BLE001 - older/newer configs may guard the attribute
        pass
    check_config(config, spec)
    return config


def rope_of(config_dict):
    """The RoPE parameters of a config dict in either layout, as one dict with rope_type and rope_theta."""
    if config_dict.get("rope_parameters"):
        rope = dict(config_dict["rope_parameters"])
    else:
        rope = dict(config_dict.get("rope_scaling") or {})
        if "type" in rope and "rope_type" not in rope:
            rope["rope_type"] = rope.pop("type")
        rope.setdefault("rope_theta", config_dict.get("rope_theta"))
    rope.setdefault("rope_type", "default")
    return rope


def check_config(config, spec):
    """Fails loudly if the installed transformers did not take the settings the goldens are meant to cover."""
    as_dict = config.to_dict()
    rope = rope_of(as_dict)
    for key, value in spec["rope"].items():
        if key not in rope or (isinstance(value, float) and not math.isclose(float(rope[key]), value)) or (
                not isinstance(value, float) and rope[key] != value):
            raise RuntimeError(f"{spec['name']}: config did not keep rope {key}={value!r}: got {rope}")
    for key, value in spec["config"].items():
        if key in as_dict and as_dict[key] != value and not (
                isinstance(value, float) and math.isclose(as_dict[key], value)):
            raise RuntimeError(f"{spec['name']}: config {key} = {as_dict[key]!r}, wanted {value!r}")


def from_pretrained(path):
    """Loads a saved model in float32 with eager attention (`dtype` in transformers 5, `torch_dtype` in 4)."""
    try:
        return AutoModelForCausalLM.from_pretrained(path, dtype=torch.float32, attn_implementation="eager")
    except TypeError:
        return AutoModelForCausalLM.from_pretrained(path, torch_dtype=torch.float32, attn_implementation="eager")


def new_model(config):
    try:
        return AutoModelForCausalLM.from_config(config, attn_implementation="eager")
    except TypeError:
        return AutoModelForCausalLM.from_config(config)


# ----------------------------------------------------------------------------------------------------------------
# Tokenizer and prompts
# ----------------------------------------------------------------------------------------------------------------

def load_tokenizer(tokenizer_dir):
    from tokenizers import Tokenizer
    tokenizer = Tokenizer.from_file(os.path.join(tokenizer_dir, "tokenizer.json"))
    with open(os.path.join(tokenizer_dir, "tokenizer_config.json")) as f:
        tokenizer_config = json.load(f)
    template_path = os.path.join(tokenizer_dir, "chat_template.jinja")
    if os.path.exists(template_path):
        with open(template_path) as f:
            chat_template = f.read()
    else:
        chat_template = tokenizer_config.get("chat_template")
    return tokenizer, tokenizer_config, chat_template


def render_chat(chat_template, messages, tokenizer_config):
    import jinja2
    environment = jinja2.Environment(trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False)
    return environment.from_string(chat_template).render(
        messages=messages, add_generation_prompt=True,
        bos_token=tokenizer_config.get("bos_token") or "", eos_token=tokenizer_config.get("eos_token") or "")


def encode_prompts(tokenizer_dir):
    tokenizer, tokenizer_config, chat_template = load_tokenizer(tokenizer_dir)
    encoded = []
    for prompt in PROMPTS:
        entry = dict(prompt)
        if "messages" in prompt:
            if not chat_template:
                raise RuntimeError("the tokenizer has no chat template for the chat prompt")
            entry["text"] = render_chat(chat_template, prompt["messages"], tokenizer_config)
            # Cross-check with transformers' own template rendering where it is available.
            try:
                from transformers import AutoTokenizer
                hf_text = AutoTokenizer.from_pretrained(tokenizer_dir).apply_chat_template(
                    prompt["messages"], tokenize=False, add_generation_prompt=True)
                if isinstance(hf_text, str) and hf_text != entry["text"]:
                    log(f"  note: jinja2 and transformers render the chat prompt differently; using transformers'")
                    entry["text"] = hf_text
            except Exception as error:  # noqa: BLE001
                log(f"  note: transformers' apply_chat_template unavailable ({error}); using jinja2 rendering")
        ids = tokenizer.encode(entry["text"], add_special_tokens=False).ids
        if prompt["name"] == "long":
            while len(ids) < LONG_PROMPT_MIN_TOKENS:
                entry["text"] = entry["text"] + " " + prompt["text"]
                ids = tokenizer.encode(entry["text"], add_special_tokens=False).ids
        entry["ids"] = ids
        encoded.append(entry)
        log(f"  prompt {prompt['name']!r}: {len(ids)} tokens")
    return encoded, tokenizer


def special_ids(tokenizer, tokenizer_config):
    def token_id(field):
        token = tokenizer_config.get(field)
        if isinstance(token, dict):
            token = token.get("content")
        return tokenizer.token_to_id(token) if token else None
    eos = token_id("eos_token")
    pad = token_id("pad_token")
    return (0 if eos is None else eos), (eos if pad is None else pad)


# ----------------------------------------------------------------------------------------------------------------
# Weights and references
# ----------------------------------------------------------------------------------------------------------------

def initialise(model, seed, weight_std, embed_std, final_norm_scale):
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, parameter in model.named_parameters():  # tied lm_head is the embedding: listed once
            shape = parameter.shape
            if name.lower().endswith("norm.weight"):  # RMSNorms, q_norm, k_norm, BERT's LayerNorm
                values = 1.0 + 0.2 * torch.randn(shape, generator=generator)
                if name in ("model.norm.weight", "norm.weight"):
                    values = values * final_norm_scale
            elif name.endswith(".bias"):
                values = 0.2 * torch.randn(shape, generator=generator)
            elif "embed" in name or name.startswith("lm_head"):
                values = embed_std * torch.randn(shape, generator=generator)
            else:
                values = weight_std * torch.randn(shape, generator=generator)
            parameter.copy_(values.to(parameter.dtype))


def round_to_bfloat16(model):
    with torch.no_grad():
        for parameter in model.parameters():
            parameter.copy_(parameter.to(torch.bfloat16).to(torch.float32))


class GoldenMismatch(RuntimeError):
    pass


_warned_no_dynamic_reset = []


def reset_dynamic_rope(model):
    """Dynamic NTK RoPE in transformers is stateful: the rotary module keeps the frequencies of the longest
    sequence it has seen. Resetting before every forward makes each logit depend only on its own sequence (the
    frequencies for length L, computed when L > max_position_embeddings), independent of call order."""
    found = False
    for module in model.modules():
        if hasattr(module, "original_inv_freq") and hasattr(module, "max_seq_len_cached"):
            original = module.original_inv_freq
            module.register_buffer("inv_freq", original.clone(), persistent=False)
            module.max_seq_len_cached = getattr(module, "original_max_seq_len", module.max_seq_len_cached)
            found = True
    if not found and not _warned_no_dynamic_reset:
        _warned_no_dynamic_reset.append(True)
        log("  WARNING: no rotary module with original_inv_freq found; dynamic RoPE state is not reset")


@torch.no_grad()
def prompt_logits(model, ids):
    if getattr(model, "_chunkwise_dynamic_rope", False):
        reset_dynamic_rope(model)
    return model(torch.tensor([ids], dtype=torch.long), use_cache=False).logits[0].float()


@torch.no_grad()
def last_hidden_state(model, ids):
    if getattr(model, "_chunkwise_dynamic_rope", False):
        reset_dynamic_rope(model)
    return model.model(torch.tensor([ids], dtype=torch.long), use_cache=False).last_hidden_state[0, -1].float()


@torch.no_grad()
def greedy_full_recompute(model, ids, steps):
    """Greedy decoding that recomputes the whole sequence at each step: no cache, the mathematical reference."""
    sequence = list(ids)
    chosen, margins, top = [], [], []
    for _ in range(steps):
        logits = prompt_logits(model, sequence)[-1]
        values, indices = torch.topk(logits, TOP_K)
        chosen.append(int(indices[0]))
        margins.append(float(values[0] - values[1]))
        top.append({"ids": [int(i) for i in indices], "logits": [float(v) for v in values]})
        sequence.append(int(indices[0]))
    return chosen, margins, top


@torch.no_grad()
def greedy_with_generate(model, ids, steps, pad_id):
    """transformers' own generate() (KV cache), for comparison. EOS is not a stop here either."""
    if getattr(model, "_chunkwise_dynamic_rope", False):
        reset_dynamic_rope(model)
    generation_config = copy.deepcopy(model.generation_config)
    generation_config.eos_token_id = None
    generation_config.pad_token_id = pad_id
    generation_config.do_sample = False
    generation_config.num_beams = 1
    generation_config.max_new_tokens = steps
    generation_config.max_length = None
    generation_config.min_new_tokens = None
    output = model.generate(torch.tensor([ids], dtype=torch.long), generation_config=generation_config,
                            attention_mask=torch.ones(1, len(ids), dtype=torch.long))
    return [int(t) for t in output[0, len(ids):]]


def logit_positions(length):
    """Rows of full logits to store: the ends, the middle, and the positions where the sliding window (16) and the
    yarn / dynamic original length (64) start to matter. Every position still gets its top-k in golden.json."""
    interesting = {0, 1, length // 2, length - 2, length - 1, 16, 64}
    return sorted(p for p in interesting if 0 <= p < length)


def write_f32(path, tensor):
    data = tensor.detach().to(torch.float32).contiguous().cpu()
    with open(path, "wb") as f:
        f.write(struct.pack(f"<{data.numel()}f", *data.flatten().tolist()))



def short(value):
    """A float with 7 significant digits: enough for the JSON goldens (full logits are in the .bin files)."""
    return float(f"{float(value):.7g}")


def decoder_golden_prompts(model, prompts, greedy, golden_dir, pad_id, positions_of):
    """golden.json's "prompts" entries of a causal LM (and the .logits.bin files they name)."""
    golden_prompts = []
    for index, (prompt, (chosen, margins, top)) in enumerate(zip(prompts, greedy)):
        logits = prompt_logits(model, prompt["ids"])
        positions = positions_of(len(prompt["ids"]))
        logits_file = f"prompt{index}.logits.bin"
        write_f32(os.path.join(golden_dir, logits_file), logits[positions])
        values, indices = torch.topk(logits, TOP_K, dim=-1)
        hidden = last_hidden_state(model, prompt["ids"])
        try:
            cached = greedy_with_generate(model, prompt["ids"], GREEDY_TOKENS, pad_id)
        except Exception as error:  # noqa: BLE001
            log(f"  note: generate() failed ({error}); greedy_cached left empty")
            cached = []
        if cached and cached != chosen:
            first = next((i for i, (a, b) in enumerate(zip(cached, chosen)) if a != b), min(len(cached), len(chosen)))
            log(f"  note: prompt {prompt['name']!r}: generate() with KV cache differs from full recompute "
                f"(first at step {first}; {len(cached)} vs {len(chosen)} tokens)")
        golden_prompts.append({
            "name": prompt["name"],
            "text": prompt["text"],
            "messages": prompt.get("messages"),
            "ids": prompt["ids"],
            "logits_file": logits_file,
            "logit_positions": positions,
            "logits_shape": [len(positions), int(logits.shape[-1])],
            "top_k_per_position": [{"ids": [int(i) for i in idx], "logits": [short(v) for v in val]}
                                   for idx, val in zip(indices, values)],
            "greedy_ids": chosen,
            "greedy_margins": [short(m) for m in margins],
            "greedy_top_k": [{"ids": t["ids"], "logits": [short(v) for v in t["logits"]]} for t in top],
            "greedy_min_margin": min(margins),
            "greedy_cached_ids": cached,
            "greedy_cached_matches": cached == chosen,
            "last_token_hidden_state": [float(v) for v in hidden],
        })
    return golden_prompts

# ----------------------------------------------------------------------------------------------------------------
# Files
# ----------------------------------------------------------------------------------------------------------------

def copy_tokenizer(tokenizer_dir, target):
    for name in TOKENIZER_FILES:
        source = os.path.join(tokenizer_dir, name)
        if os.path.exists(source):
            shutil.copyfile(source, os.path.join(target, name))


def save_weights(model, target, spec):
    if spec["save_dtype"] == "bfloat16":
        model = copy.deepcopy(model).to(torch.bfloat16)
    if spec["shards"] == 1:
        model.save_pretrained(target)
    else:
        total = sum(p.numel() * p.element_size() for p in model.state_dict().values())
        for fraction in (0.55, 0.6, 0.7, 0.8, 0.9, 0.5, 0.45):
            shutil.rmtree(target, ignore_errors=True)
            os.makedirs(target)
            model.save_pretrained(target, max_shard_size=int(total * fraction))
            shards = [f for f in os.listdir(target) if f.endswith(".safetensors")]
            if len(shards) == spec["shards"] and os.path.exists(os.path.join(target, "model.safetensors.index.json")):
                break
        else:
            raise RuntimeError(f"{spec['name']}: could not save into {spec['shards']} shards")
    files = sorted(os.listdir(target))
    log(f"  saved {target}: {', '.join(files)}")


def transformers4_config(config_dict):
    """Rewrites a transformers 5 config.json dict into the transformers 4 layout."""
    config = dict(config_dict)
    if "rope_parameters" in config:
        rope = dict(config.pop("rope_parameters") or {})
        if "rope_theta" in rope:
            config["rope_theta"] = rope.pop("rope_theta")
        if "partial_rotary_factor" in rope:
            config["partial_rotary_factor"] = rope.pop("partial_rotary_factor")
        rope_type = rope.get("rope_type", "default")
        config["rope_scaling"] = None if rope_type == "default" else rope
    config.setdefault("rope_theta", 10000.0)
    if "dtype" in config:
        config["torch_dtype"] = config.pop("dtype")
    return config


def write_transformers4_variant(tf5_dir, tf4_dir, weights_mode):
    if weights_mode == "copy":
        shutil.copytree(tf5_dir, tf4_dir)
    else:  # "link": the weight files are relative symlinks to ../tf5's (git and tar keep symlinks)
        shutil.copytree(tf5_dir, tf4_dir, ignore=shutil.ignore_patterns("*.safetensors", "*.safetensors.index.json"))
        for name in sorted(os.listdir(tf5_dir)):
            if ".safetensors" in name:
                os.symlink(os.path.join("..", "tf5", name), os.path.join(tf4_dir, name))
    with open(os.path.join(tf5_dir, "config.json")) as f:
        config = json.load(f)
    with open(os.path.join(tf4_dir, "config.json"), "w") as f:
        json.dump(transformers4_config(config), f, indent=2, sort_keys=True)
        f.write("\n")
    template_path = os.path.join(tf4_dir, "chat_template.jinja")
    tokenizer_config_path = os.path.join(tf4_dir, "tokenizer_config.json")
    with open(tokenizer_config_path) as f:
        tokenizer_config = json.load(f)
    if os.path.exists(template_path):
        with open(template_path) as f:
            tokenizer_config["chat_template"] = f.read()
        os.remove(template_path)
    if tokenizer_config.get("tokenizer_class") == "TokenizersBackend":
        tokenizer_config["tokenizer_class"] = "PreTrainedTokenizerFast"  # what transformers 4 writes
    tokenizer_config.pop("backend", None)
    with open(tokenizer_config_path, "w") as f:
        json.dump(tokenizer_config, f, indent=2)
        f.write("\n")


def directory_bytes(path):
    return sum(os.path.getsize(os.path.join(root, f)) for root, _, files in os.walk(path) for f in files)



# ----------------------------------------------------------------------------------------------------------------
# A small vocabulary: the tiny-lm tokenizer cut to its first ids
# ----------------------------------------------------------------------------------------------------------------

def truncate_tokenizer(source_dir, vocab_size, target_dir):
    """Writes into target_dir the byte-level BPE tokenizer of source_dir restricted to ids < vocab_size: the added
    tokens and the byte alphabet come first and merge k produces the next id, so keeping the merges whose parts and
    result all survive gives a complete, valid tokenizer (checked: every kept multi-character token is produced by a
    kept merge). A small vocabulary keeps the embedding and LM head, and so the committed fixtures, small."""
    with open(os.path.join(source_dir, "tokenizer.json")) as f:
        tokenizer = json.load(f)
    model = tokenizer["model"]
    if model.get("type") != "BPE":
        raise RuntimeError(f"{source_dir}: only a BPE tokenizer can be truncated, not {model.get('type')}")
    added = {token["content"] for token in tokenizer.get("added_tokens", []) if token["id"] < vocab_size}
    vocab = {token: i for token, i in model["vocab"].items() if i < vocab_size}
    if len(vocab) != vocab_size:
        raise RuntimeError(f"{source_dir}: ids below {vocab_size} are not contiguous ({len(vocab)} tokens)")
    merges, produced = [], set()
    for merge in model["merges"]:
        left, right = merge if isinstance(merge, list) else merge.split(" ", 1)
        if left in vocab and right in vocab and left + right in vocab:
            merges.append(merge)
            produced.add(left + right)
    orphans = [t for t in vocab if len(t) > 1 and t not in added and t not in produced]
    if orphans:
        raise RuntimeError(f"truncated vocabulary has tokens no merge produces: {orphans[:5]}")
    model["vocab"] = vocab
    model["merges"] = merges
    tokenizer["added_tokens"] = [t for t in tokenizer.get("added_tokens", []) if t["id"] < vocab_size]
    os.makedirs(target_dir, exist_ok=True)
    with open(os.path.join(target_dir, "tokenizer.json"), "w") as f:
        json.dump(tokenizer, f, ensure_ascii=False, indent=1)
        f.write("\n")
    for name in TOKENIZER_FILES[1:]:
        if os.path.exists(os.path.join(source_dir, name)):
            shutil.copyfile(os.path.join(source_dir, name), os.path.join(target_dir, name))
    log(f"tokenizer cut to {vocab_size} ids: {len(merges)} merges kept, added tokens {sorted(added)}")
    return target_dir


# ----------------------------------------------------------------------------------------------------------------
# Embedding models: a bare Qwen3 decoder with last-token pooling, a BERT encoder with mean and CLS pooling
# ----------------------------------------------------------------------------------------------------------------

def l2_normalized(vector):
    return vector / vector.norm()


def build_qwen3_embedder(args, prompts, vocab_size, eos_id, pad_id, out_root):
    from transformers import AutoModel
    name = "qwen3-embedder"
    log(f"{name}: Qwen3Model (no LM head), last-token pooling")
    spec = dict(name=name, architecture="qwen3", features=["embedder", "last_token_pooling", "qk_norm"],
                config=dict(model_specs(args.hidden)[0]["config"], head_dim=32, tie_word_embeddings=False),
                rope={"rope_type": "default", "rope_theta": 10000.0}, save_dtype="float32", shards=1)
    spec["config"].pop("tie_word_embeddings")
    config = make_config(spec, vocab_size, eos_id, pad_id)
    torch.manual_seed(args.seed)
    model = AutoModel.from_config(config, attn_implementation="eager").to(torch.float32).eval()
    initialise(model, args.seed, args.weight_std, args.embed_std, 1.0)
    directory, golden_dir = os.path.join(out_root, name, "tf5"), os.path.join(out_root, name, "golden")
    shutil.rmtree(os.path.join(out_root, name), ignore_errors=True)
    os.makedirs(golden_dir)
    model.save_pretrained(directory)
    copy_tokenizer(args.vocab_dir, directory)
    entries = []
    with torch.no_grad():
        for prompt in prompts:
            hidden = model(torch.tensor([prompt["ids"]]), use_cache=False).last_hidden_state[0].float()
            entries.append({"name": prompt["name"], "ids": prompt["ids"],
                            "last_token": [float(v) for v in hidden[-1]],
                            "embedding": [float(v) for v in l2_normalized(hidden[-1])]})
    reloaded = AutoModel.from_pretrained(directory, attn_implementation="eager").float().eval()
    with torch.no_grad():
        worst = max(float((reloaded(torch.tensor([p["ids"]])).last_hidden_state[0, -1] -
                           torch.tensor(e["last_token"])).abs().max()) for p, e in zip(prompts, entries))
    log(f"  reload: max |difference| {worst:.3g}")
    if worst >= 1e-4:
        raise GoldenMismatch(f"{name}: reloading gives hidden states {worst} away")
    return write_embedder_golden(name, spec["features"], "last_token", entries, golden_dir, out_root, worst)


def build_bert(args, out_root):
    from tokenizers import Tokenizer
    from transformers import BertConfig, BertModel
    name = "bert-tiny"
    log(f"{name}: BertModel, mean and CLS pooling, tokenizer {args.bert_tokenizer_dir}")
    tokenizer = Tokenizer.from_file(os.path.join(args.bert_tokenizer_dir, "tokenizer.json"))
    config = BertConfig(vocab_size=tokenizer.get_vocab_size(with_added_tokens=True), hidden_size=32,
                        num_hidden_layers=2, num_attention_heads=4, intermediate_size=64,
                        max_position_embeddings=256, type_vocab_size=2, hidden_act="gelu", layer_norm_eps=1e-12,
                        pad_token_id=0)
    try:
        config._attn_implementation = "eager"
    except Exception:  # noqa: BLE001
        pass
    torch.manual_seed(args.seed)
    model = BertModel(config).to(torch.float32).eval()  # with the pooler, as real checkpoints ship it
    initialise(model, args.seed, args.weight_std, args.embed_std, 1.0)
    directory, golden_dir = os.path.join(out_root, name, "tf5"), os.path.join(out_root, name, "golden")
    shutil.rmtree(os.path.join(out_root, name), ignore_errors=True)
    os.makedirs(golden_dir)
    model.save_pretrained(directory)
    shutil.copyfile(os.path.join(args.bert_tokenizer_dir, "tokenizer.json"), os.path.join(directory, "tokenizer.json"))
    with open(os.path.join(directory, "tokenizer_config.json"), "w") as f:
        json.dump({"tokenizer_class": "BertTokenizerFast", "do_lower_case": True, "cls_token": "[CLS]",
                   "sep_token": "[SEP]", "pad_token": "[PAD]", "unk_token": "[UNK]", "mask_token": "[MASK]"}, f,
                  indent=2)
        f.write("\n")
    entries = []
    with torch.no_grad():
        for prompt in PROMPTS:
            if "messages" in prompt:
                continue
            ids = tokenizer.encode(prompt["text"]).ids  # with [CLS] ... [SEP]
            hidden = model(torch.tensor([ids])).last_hidden_state[0].float()
            entries.append({"name": prompt["name"], "text": prompt["text"], "ids": ids,
                            "cls": [float(v) for v in l2_normalized(hidden[0])],
                            "mean": [float(v) for v in l2_normalized(hidden.mean(dim=0))],
                            "embedding": [float(v) for v in l2_normalized(hidden.mean(dim=0))]})
    return write_embedder_golden(name, ["encoder", "mean_pooling", "cls_pooling", "gelu"], "mean", entries,
                                 golden_dir, out_root, None)


def write_embedder_golden(name, features, pooling, entries, golden_dir, out_root, reload_difference):
    golden = {"name": name, "features": features, "pooling": pooling, "normalized": "L2",
              "reference_dtype": "float32", "reload_max_abs_difference": reload_difference, "prompts": entries}
    with open(os.path.join(golden_dir, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    size = directory_bytes(os.path.join(out_root, name))
    log(f"  wrote {os.path.join(out_root, name)} ({size / 1e6:.2f} MB)")
    return {"name": name, "features": features, "tf5": f"{name}/tf5", "golden": f"{name}/golden/golden.json",
            "bytes": size}


# ----------------------------------------------------------------------------------------------------------------
# The trained tiny-lm (../shared/models/tiny-lm): goldens only, its weights stay outside the repository
# ----------------------------------------------------------------------------------------------------------------

def build_tiny_lm_golden(args, out_root):
    name = "tiny-lm"
    log(f"{name}: goldens for the trained model in {args.tiny_lm_dir}")
    prompts, tokenizer = encode_prompts(args.tiny_lm_dir)
    with open(os.path.join(args.tiny_lm_dir, "tokenizer_config.json")) as f:
        _, pad_id = special_ids(tokenizer, json.load(f))
    model = from_pretrained(args.tiny_lm_dir).eval()
    model._chunkwise_dynamic_rope = False
    greedy = [greedy_full_recompute(model, p["ids"], GREEDY_TOKENS) for p in prompts]
    golden_dir = os.path.join(out_root, name, "golden")
    shutil.rmtree(os.path.join(out_root, name), ignore_errors=True)
    os.makedirs(golden_dir)
    golden_prompts = decoder_golden_prompts(model, prompts, greedy, golden_dir, pad_id,
                                            lambda length: sorted({0, length // 2, length - 1}))
    golden = {"name": name, "architecture": "llama", "features": ["trained", "bf16_weights"],
              "saved_dtype": "bfloat16", "reference_dtype": "float32", "attention": "eager",
              "vocab_size": model.config.vocab_size, "greedy_tokens": GREEDY_TOKENS, "top_k": TOP_K,
              "greedy": "argmax of the last position's logits, whole sequence recomputed each step (no cache); EOS "
                        "is not a stop. A trained model has near-ties: compare greedy ids up to the first step whose "
                        "greedy_margins entry is small",
              "model": "../shared/models/tiny-lm (not in the repository)",
              "prompts": golden_prompts}
    with open(os.path.join(golden_dir, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    log(f"  wrote {golden_dir} ({directory_bytes(golden_dir) / 1e6:.2f} MB); smallest greedy margin "
        f"{min(p['greedy_min_margin'] for p in golden_prompts):.3g}")
    return {"name": name, "golden": f"{name}/golden/golden.json", "bytes": directory_bytes(golden_dir)}

# ----------------------------------------------------------------------------------------------------------------

def build_model(spec, args, prompts, vocab_size, eos_id, pad_id, out_root):
    name = spec["name"]
    log(f"{name}: {spec['architecture']} {', '.join(spec['features'])}")
    config = make_config(spec, vocab_size, eos_id, pad_id)

    for attempt in range(args.max_seed_attempts):
        seed = args.seed + 1000 * attempt
        torch.manual_seed(seed)
        model = new_model(config).to(torch.float32).eval()
        model._chunkwise_dynamic_rope = spec["rope"]["rope_type"] == "dynamic"
        initialise(model, seed, args.weight_std, args.embed_std, args.final_norm_scale)
        if spec["save_dtype"] == "bfloat16":
            round_to_bfloat16(model)  # the reference uses exactly the weights the file stores
        greedy = [greedy_full_recompute(model, p["ids"], GREEDY_TOKENS) for p in prompts]
        smallest = min(min(margins) for _, margins, _ in greedy)
        if smallest >= args.min_margin:
            break
        log(f"  seed {seed}: smallest greedy margin {smallest:.4g} < {args.min_margin}; trying another seed")
    else:
        raise RuntimeError(f"{name}: no seed in {args.max_seed_attempts} attempts gives margins >= {args.min_margin}")
    log(f"  seed {seed}: smallest greedy margin {smallest:.4g}")

    model_root = os.path.join(out_root, name)
    tf5_dir, tf4_dir, golden_dir = (os.path.join(model_root, d) for d in ("tf5", "tf4", "golden"))
    shutil.rmtree(model_root, ignore_errors=True)
    os.makedirs(tf5_dir)
    os.makedirs(golden_dir)

    model.generation_config.eos_token_id = eos_id
    model.generation_config.pad_token_id = pad_id
    model.generation_config.bos_token_id = None
    save_weights(model, tf5_dir, spec)
    copy_tokenizer(args.vocab_dir, tf5_dir)
    write_transformers4_variant(tf5_dir, tf4_dir, args.tf4_weights)

    golden_prompts = decoder_golden_prompts(model, prompts, greedy, golden_dir, pad_id, logit_positions)

    # The saved files must reproduce the goldens through transformers' own loader, in both layouts.
    checks = {}
    for layout, directory in (("tf5", tf5_dir), ("tf4", tf4_dir)):
        try:
            reloaded = from_pretrained(directory).eval()
            reloaded._chunkwise_dynamic_rope = model._chunkwise_dynamic_rope
            worst = max(float((prompt_logits(reloaded, p["ids"]) - prompt_logits(model, p["ids"])).abs().max())
                        for p in prompts)
            checks[layout] = {"max_abs_logit_difference": worst}
            status = "ok" if worst < 1e-4 else "MISMATCH"
            log(f"  reload {layout}: max |logit difference| {worst:.3g} {status}")
            if worst >= 1e-4:
                raise GoldenMismatch(f"{name}: reloading {layout} gives logits {worst} away from the reference")
        except GoldenMismatch:
            raise
        except Exception as error:  # noqa: BLE001 - report, keep going: the files are still useful
            checks[layout] = {"error": f"{type(error).__name__}: {error}"}
            log(f"  reload {layout}: FAILED ({error})")

    golden = {
        "name": name,
        "architecture": spec["architecture"],
        "features": spec["features"],
        "seed": seed,
        "init": {"weight_std": args.weight_std, "embed_std": args.embed_std,
                 "final_norm_scale": args.final_norm_scale, "norm": "1 + 0.2 * N(0, 1)", "bias": "0.2 * N(0, 1)"},
        "saved_dtype": spec["save_dtype"],
        "reference_dtype": "float32",
        "attention": "eager",
        "vocab_size": vocab_size,
        "greedy_tokens": GREEDY_TOKENS,
        "top_k": TOP_K,
        "greedy": "argmax of the last position's logits, whole sequence recomputed each step (no cache); EOS is "
                  "not a stop; greedy_cached_ids: transformers generate() with its KV cache",
        "reload_checks": checks,
        "prompts": golden_prompts,
    }
    with open(os.path.join(golden_dir, "golden.json"), "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    size = directory_bytes(model_root)
    log(f"  wrote {model_root} ({size / 1e6:.2f} MB)")
    return {"name": name, "architecture": spec["architecture"], "features": spec["features"], "seed": seed,
            "tf5": f"{name}/tf5", "tf4": f"{name}/tf4", "golden": f"{name}/golden/golden.json",
            "tf4_weights": "copied" if args.tf4_weights == "copy" else f"symlinks to {name}/tf5",
            "saved_dtype": spec["save_dtype"], "shards": spec["shards"], "bytes": size,
            "min_greedy_margin": min(p["greedy_min_margin"] for p in golden_prompts),
            "greedy_cached_matches": all(p["greedy_cached_matches"] for p in golden_prompts),
            "reload_checks": checks}


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    repo = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    parser.add_argument("--tokenizer-dir", default=os.path.join(repo, "assets", "tokenizers", "tiny-lm"),
                        help="byte-level BPE tokenizer (tokenizer.json, tokenizer_config.json, chat_template.jinja) "
                             "whose first --vocab ids the tiny models use")
    parser.add_argument("--vocab", type=int, default=512, help="vocabulary size of the tiny models")
    parser.add_argument("--bert-tokenizer-dir", default=os.path.join(repo, "tests", "data", "tokenizers", "bert-uncased"))
    parser.add_argument("--tiny-lm-dir", default=os.environ.get("TINY_LM_DIR", os.path.join(repo, "..", "shared",
                                                                                           "models", "tiny-lm")),
                        help="the trained tiny-lm model; its goldens are skipped (with a note) if it is absent")
    parser.add_argument("--out", default=None,
                        help="write the tree into this directory, no archive (default: a temporary directory, "
                             "archived into $OUT)")
    parser.add_argument("--only", default=None, help="comma-separated model names to build (default: all)")
    parser.add_argument("--hidden", type=int, default=64)
    parser.add_argument("--seed", type=int, default=1234)
    parser.add_argument("--weight-std", type=float, default=0.2)
    parser.add_argument("--embed-std", type=float, default=0.5)
    parser.add_argument("--final-norm-scale", type=float, default=4.0,
                        help="multiplies the final norm weight: larger logits, clearer greedy margins")
    parser.add_argument("--min-margin", type=float, default=1e-2)
    parser.add_argument("--max-seed-attempts", type=int, default=25)
    parser.add_argument("--threads", type=int, default=0, help="torch CPU threads (0: torch's default)")
    parser.add_argument("--tf4-weights", choices=["copy", "link"], default="link",
                        help="copy: tf4/ holds its own copy of the weights; link: tf4/'s weight files are relative "
                             "symlinks to ../tf5's (halves the tree)")
    args = parser.parse_args()

    archive_dir = None
    if args.out is None:
        if not os.environ.get("OUT"):
            sys.exit("set OUT (the archive goes to $OUT) or pass --out DIR")
        archive_dir = os.environ["OUT"]
        args.out = os.path.join(tempfile.mkdtemp(prefix="chunkwise-tiny-models-"), "tiny-models")
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.use_deterministic_algorithms(True, warn_only=True)
    log(f"torch {torch.__version__}, transformers {transformers.__version__}, python {sys.version.split()[0]}")
    log(f"tokenizer: {args.tokenizer_dir}; output: {args.out}")
    for name in ("tokenizer.json", "tokenizer_config.json"):
        if not os.path.exists(os.path.join(args.tokenizer_dir, name)):
            sys.exit(f"{args.tokenizer_dir}/{name} not found (pass --tokenizer-dir)")

    os.makedirs(args.out, exist_ok=True)
    args.vocab_dir = truncate_tokenizer(args.tokenizer_dir, args.vocab, os.path.join(args.out, f"tokenizer-{args.vocab}"))
    prompts, tokenizer = encode_prompts(args.vocab_dir)
    with open(os.path.join(args.vocab_dir, "tokenizer_config.json")) as f:
        eos_id, pad_id = special_ids(tokenizer, json.load(f))
    vocab_size = tokenizer.get_vocab_size(with_added_tokens=True)
    log(f"vocab {vocab_size}, eos {eos_id}, pad {pad_id}")

    os.makedirs(args.out, exist_ok=True)
    builders = [(spec["name"], lambda spec=spec: build_model(spec, args, prompts, vocab_size, eos_id, pad_id,
                                                              args.out))
                for spec in model_specs(args.hidden)]
    builders.append(("qwen3-embedder", lambda: build_qwen3_embedder(args, prompts, vocab_size, eos_id, pad_id,
                                                                    args.out)))
    builders.append(("bert-tiny", lambda: build_bert(args, args.out)))
    if os.path.exists(os.path.join(args.tiny_lm_dir, "model.safetensors")):
        builders.append(("tiny-lm", lambda: build_tiny_lm_golden(args, args.out)))
    else:
        log(f"note: {args.tiny_lm_dir} has no model.safetensors: no tiny-lm goldens")
    if args.only:
        wanted = set(args.only.split(","))
        builders = [b for b in builders if b[0] in wanted]
        if not builders:
            sys.exit(f"--only {args.only}: no such model")
    built, failed = [], []
    for name, build in builders:
        try:
            built.append(build())
        except Exception as error:  # noqa: BLE001 - keep going, report at the end
            traceback.print_exc()
            failed.append({"name": name, "error": f"{type(error).__name__}: {error}"})
            log(f"{name}: FAILED: {error}")

    manifest = {
        "generator": "scripts/make_tiny_models.py",
        "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "torch_version": torch.__version__,
        "transformers_version": transformers.__version__,
        "tokenizer": f"{os.path.basename(os.path.normpath(args.tokenizer_dir))} cut to its first {args.vocab} ids",
        "logits_format": "raw little-endian float32, row-major [len(logit_positions), vocab_size]",
        "layouts": {"tf5": "as saved by the installed transformers",
                    "tf4": "config.json rewritten: rope_parameters -> rope_theta + rope_scaling, dtype -> "
                           "torch_dtype; chat template moved into tokenizer_config.json"},
        "models": built,
        "failed": failed,
    }
    with open(os.path.join(args.out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=2)
        f.write("\n")
    log(f"done: {len(built)} models, {len(failed)} failed, {directory_bytes(args.out) / 1e6:.1f} MB in {args.out}")
    for entry in built:
        if "seed" in entry:
            log(f"  {entry['name']:<20} seed {entry['seed']:<6} min margin {entry['min_greedy_margin']:.3g} "
                f"cached==recompute {entry['greedy_cached_matches']} reload {entry['reload_checks']}")
    for entry in failed:
        log(f"  FAILED {entry['name']}: {entry['error']}")
    if archive_dir is not None:
        write_archive(args.out, archive_dir)
    return 1 if failed else 0


def write_archive(tree, archive_dir, part_bytes=15 * 1024 * 1024):
    """tiny-models.tar.xz of `tree`, split into parts of at most `part_bytes`, plus manifest.json, in archive_dir."""
    os.makedirs(archive_dir, exist_ok=True)
    archive = os.path.join(os.path.dirname(tree), "tiny-models.tar.xz")
    log(f"packing {tree} (xz -9, this takes a minute)")
    with tarfile.open(archive, "w:xz", preset=9) as tar:
        tar.add(tree, arcname="tiny-models")
    size = os.path.getsize(archive)
    parts = []
    with open(archive, "rb") as f:
        while True:
            chunk = f.read(part_bytes)
            if not chunk:
                break
            part = os.path.join(archive_dir, f"tiny-models.tar.xz.part-{len(parts):02d}")
            with open(part, "wb") as out:
                out.write(chunk)
            parts.append(part)
    shutil.copyfile(os.path.join(tree, "manifest.json"), os.path.join(archive_dir, "manifest.json"))
    log(f"archive: {size / 1e6:.1f} MB in {len(parts)} part(s) in {archive_dir}; unpack with")
    log(f"  cat {archive_dir}/tiny-models.tar.xz.part-* | tar -xJ -C tests/data/models/")
    if len(parts) > 6 or size > 60 * 1024 * 1024:
        log("WARNING: more than the device machine returns (8 files, 64 MiB); use --only to split the run")


if __name__ == "__main__":
    sys.exit(main())
