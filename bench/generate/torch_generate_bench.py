#!/usr/bin/env python3
"""PyTorch + transformers eager baseline for generate_bench: the same measurements on the same model directory.

    python3 bench/generate/torch_generate_bench.py MODEL_DIR [--threads 16] [--prompt 512] [--steps 64]
        [--prefill-reps 3] [--decode-reps 3] [--bandwidth-mib 2048] [--bandwidth-reps 10]

The model is loaded in bf16 with attn_implementation="eager" and run under torch.inference_mode():
- prefill: model(prompt, use_cache=True, logits_to_keep=1) (the last token's logits, as generate() asks and as
  generate_bench does), best of N after a warm-up;
- decode at batch 1: after an untimed prefill, `steps` greedy steps model(token, past_key_values=cache) with
  transformers' DynamicCache (bf16), timed together, best of N;
- bytes read per step: every parameter once (the tied embedding once, as the LM head) plus the KV cache read,
  as generate_bench counts them; bandwidth utilization against this script's own probe (torch.sum over a
  buffer much larger than the LLC) and, in the summary of run_on_device.sh, against generate_bench's probe;
- peak RSS: resource.getrusage ru_maxrss, read before the bandwidth probe.
Prints one JSON line per measurement, the shape generate_bench prints, then a summary line.
"""

import argparse
import json
import resource
import statistics
import sys
import time

import torch
import transformers
from transformers import AutoModelForCausalLM


def emit(line):
    line["impl"] = "pytorch"
    print(json.dumps(line, sort_keys=True), flush=True)


def prompt_ids(count, vocab):
    """The same deterministic ids as generate_bench."""
    ids, state = [], 12345
    for _ in range(count):
        state = (state * 1664525 + 1013904223) & 0xFFFFFFFF
        ids.append((state >> 8) % vocab)
    return ids


def status_bytes(key):
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(key + ":"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def load(model_dir):
    try:
        return AutoModelForCausalLM.from_pretrained(model_dir, dtype=torch.bfloat16, attn_implementation="eager")
    except TypeError:  # transformers 4 names it torch_dtype
        return AutoModelForCausalLM.from_pretrained(
            model_dir, torch_dtype=torch.bfloat16, attn_implementation="eager"
        )


def cache_dtype(cache):
    """The dtype of the cached keys (transformers 5: cache.layers[i].keys; 4: cache.key_cache[i])."""
    try:
        return cache.layers[0].keys.dtype
    except (AttributeError, IndexError, TypeError):
        pass
    try:
        return cache.key_cache[0].dtype
    except (AttributeError, IndexError, TypeError):
        return None


def measure_bandwidth(mib, reps):
    buffer = torch.ones(mib * (1 << 18), dtype=torch.float32)
    rates = []
    for rep in range(reps + 1):  # the first pass is a warm-up
        start = time.perf_counter()
        buffer.sum()
        elapsed = time.perf_counter() - start
        if rep > 0:
            rates.append(buffer.numel() * 4 / elapsed)
    del buffer
    return max(rates), statistics.mean(rates)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_dir")
    parser.add_argument("--threads", type=int, default=torch.get_num_threads())
    parser.add_argument("--prompt", type=int, default=512)
    parser.add_argument("--steps", type=int, default=64)
    parser.add_argument("--prefill-reps", type=int, default=3)
    parser.add_argument("--decode-reps", type=int, default=3)
    parser.add_argument("--bandwidth-mib", type=int, default=2048)
    parser.add_argument("--bandwidth-reps", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    threads = torch.get_num_threads()

    start = time.perf_counter()
    model = load(args.model_dir)
    model.eval()
    load_seconds = time.perf_counter() - start
    config = model.config
    parameters = list(model.parameters())  # each shared (tied) parameter once
    weight_bytes = sum(p.numel() * p.element_size() for p in parameters)
    embedding = model.get_input_embeddings().weight
    tied = model.get_output_embeddings().weight.data_ptr() == embedding.data_ptr()
    weight_bytes_per_step = weight_bytes
    if not tied:
        weight_bytes_per_step -= embedding.numel() * embedding.element_size()
        weight_bytes_per_step += embedding.shape[1] * embedding.element_size()
    head_dim = getattr(config, "head_dim", None) or config.hidden_size // config.num_attention_heads
    emit(
        {
            "measure": "model",
            "model_dir": args.model_dir,
            "architecture": type(model).__name__,
            "hidden": config.hidden_size,
            "layers": config.num_hidden_layers,
            "heads": config.num_attention_heads,
            "kv_heads": config.num_key_value_heads,
            "head_dim": head_dim,
            "intermediate": config.intermediate_size,
            "vocab": config.vocab_size,
            "tied_embeddings": bool(tied),
            "weight_bytes": weight_bytes,
            "weight_bytes_per_step": weight_bytes_per_step,
            "weight_dtype": str(embedding.dtype).replace("torch.", ""),
            "attn_implementation": getattr(config, "_attn_implementation", None),
            "threads": threads,
            "torch": torch.__version__,
            "transformers": transformers.__version__,
            "cpu_capability": torch.backends.cpu.get_cpu_capability(),
            "load_s": load_seconds,
        }
    )

    prompt = torch.tensor([prompt_ids(args.prompt, config.vocab_size)], dtype=torch.long)

    def prefill():
        return model(input_ids=prompt, use_cache=True, logits_to_keep=1)

    with torch.inference_mode():
        prefill()  # warm-up
        prefill_seconds = []
        for _ in range(args.prefill_reps):
            start = time.perf_counter()
            prefill()
            prefill_seconds.append(time.perf_counter() - start)
        best = min(prefill_seconds)
        emit(
            {
                "measure": "prefill",
                "tokens": args.prompt,
                "reps": args.prefill_reps,
                "best_s": best,
                "median_s": statistics.median(prefill_seconds),
                "tok_per_s": args.prompt / best,
                "threads": threads,
            }
        )

        decode_seconds, generated, kv_dtype = [], [], None
        for _ in range(args.decode_reps):
            out = prefill()
            cache = out.past_key_values
            token = out.logits[0, -1].argmax().view(1, 1)
            generated = [int(token)]
            start = time.perf_counter()
            for _ in range(args.steps):
                out = model(input_ids=token, past_key_values=cache, use_cache=True, logits_to_keep=1)
                cache = out.past_key_values
                token = out.logits[0, -1].argmax().view(1, 1)
                generated.append(int(token))
            decode_seconds.append(time.perf_counter() - start)
            kv_dtype = cache_dtype(cache) or embedding.dtype
        del out, cache

    peak_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    rss_anon, rss_file = status_bytes("RssAnon"), status_bytes("RssFile")

    bandwidth, bandwidth_mean = measure_bandwidth(args.bandwidth_mib, args.bandwidth_reps)
    emit(
        {
            "measure": "memory_bandwidth",
            "buffer_bytes": args.bandwidth_mib << 20,
            "reps": args.bandwidth_reps,
            "best_GB_per_s": bandwidth / 1e9,
            "mean_GB_per_s": bandwidth_mean / 1e9,
            "probe": "torch.sum",
            "threads": threads,
        }
    )

    element = torch.empty(0, dtype=kv_dtype).element_size()
    kv_bytes_per_position = config.num_hidden_layers * 2 * config.num_key_value_heads * head_dim * element
    mean_positions = args.prompt + (args.steps + 1) / 2
    kv_bytes_per_step = kv_bytes_per_position * mean_positions
    bytes_per_step = weight_bytes_per_step + kv_bytes_per_step
    decode_best = min(decode_seconds)
    step_seconds = decode_best / args.steps
    rate = bytes_per_step / step_seconds
    emit(
        {
            "measure": "decode",
            "batch": 1,
            "context": args.prompt,
            "steps": args.steps,
            "reps": args.decode_reps,
            "best_s": decode_best,
            "median_s": statistics.median(decode_seconds),
            "tok_per_s": args.steps / decode_best,
            "step_ms": step_seconds * 1e3,
            "weight_bytes_per_step": weight_bytes_per_step,
            "kv_bytes_per_step": kv_bytes_per_step,
            "kv_dtype": str(kv_dtype).replace("torch.", ""),
            "bytes_per_step": bytes_per_step,
            "GB_per_s": rate / 1e9,
            "bandwidth_utilization": rate / bandwidth,
            "first_tokens": generated[:8],
            "threads": threads,
        }
    )
    emit(
        {
            "measure": "peak_rss",
            "peak_rss_bytes": peak_rss,
            "rss_anon_bytes": rss_anon,
            "rss_file_bytes": rss_file,
            "weight_bytes": weight_bytes,
            "ratio": peak_rss / weight_bytes,
            "note": "ru_maxrss before the bandwidth probe (includes the Python interpreter and torch libraries)",
        }
    )
    print(
        f"summary pytorch threads={threads}: prefill {args.prompt} tok {args.prompt / best:.1f} tok/s | decode b1 "
        f"{args.steps / decode_best:.2f} tok/s ({step_seconds * 1e3:.2f} ms/step, {bytes_per_step / 1e9:.2f} GB/step, "
        f"{rate / 1e9:.1f} GB/s = {100 * rate / bandwidth:.0f}% of {bandwidth / 1e9:.1f} GB/s) | peak RSS "
        f"{peak_rss / 1e9:.2f} GB = {peak_rss / weight_bytes:.2f}x weights {weight_bytes / 1e9:.2f} GB",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
