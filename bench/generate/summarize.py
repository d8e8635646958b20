#!/usr/bin/env python3
"""Side-by-side table of generate_bench and torch_generate_bench.py results (their JSON lines).

    python3 bench/generate/summarize.py chunkwise.jsonl pytorch.jsonl [more chunkwise-*.jsonl ...]

Bandwidth utilization is given against generate_bench's probe (the first file's), the one denominator for
both implementations, and against each script's own probe in brackets. Prints Markdown.
"""

import json
import sys


def read(path):
    measures = {}
    try:
        with open(path) as f:
            for line in f:
                line = line.strip()
                if line.startswith("{"):
                    record = json.loads(line)
                    measures[record["measure"]] = record
    except OSError as error:
        print(f"<!-- {path}: {error} -->")
    return measures


def get(measures, measure, key):
    return measures.get(measure, {}).get(key)


def fmt(value, spec):
    return "-" if value is None else format(value, spec)


def ratio(a, b, spec=".2f"):
    return "-" if a is None or b is None or b == 0 else format(a / b, spec) + "x"


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    ours, torch = read(sys.argv[1]), read(sys.argv[2])
    probe = get(ours, "memory_bandwidth", "best_GB_per_s")
    torch_probe = get(torch, "memory_bandwidth", "best_GB_per_s")

    def utilization(measures, own_probe):
        rate = get(measures, "decode", "GB_per_s")
        if rate is None or probe is None:
            return "-"
        text = f"{100 * rate / probe:.0f}%"
        if own_probe:
            text += f" ({100 * rate / own_probe:.0f}% of its own probe)"
        return text

    def rss(measures):
        peak, weights = get(measures, "peak_rss", "peak_rss_bytes"), get(measures, "peak_rss", "weight_bytes")
        if peak is None or weights is None:
            return "-"
        return f"{peak / 1e9:.2f} GB ({peak / weights:.2f}x)"

    threads = get(ours, "model", "threads")
    print(f"Threads: chunkwise {threads}, PyTorch {get(torch, 'model', 'threads')}; "
          f"read-bandwidth probe: generate_bench {fmt(probe, '.1f')} GB/s, torch.sum {fmt(torch_probe, '.1f')} GB/s; "
          f"weights {fmt((get(ours, 'model', 'weight_bytes') or 0) / 1e9, '.3f')} GB "
          f"(PyTorch {get(torch, 'model', 'torch')}, transformers {get(torch, 'model', 'transformers')}, "
          f"CPU capability {get(torch, 'model', 'cpu_capability')}).")
    print()
    print("| measure | chunkwise | PyTorch eager bf16 | chunkwise / PyTorch |")
    print("|---|---:|---:|---:|")
    tokens = get(ours, "prefill", "tokens")
    a, b = get(ours, "prefill", "tok_per_s"), get(torch, "prefill", "tok_per_s")
    print(f"| prefill {tokens} tokens, tok/s | {fmt(a, '.1f')} | {fmt(b, '.1f')} | {ratio(a, b)} |")
    a, b = get(ours, "decode", "tok_per_s"), get(torch, "decode", "tok_per_s")
    print(f"| decode batch 1, tok/s | {fmt(a, '.2f')} | {fmt(b, '.2f')} | {ratio(a, b)} |")
    a, b = get(ours, "decode", "step_ms"), get(torch, "decode", "step_ms")
    print(f"| decode step, ms | {fmt(a, '.2f')} | {fmt(b, '.2f')} | |")
    a, b = get(ours, "decode", "bytes_per_step"), get(torch, "decode", "bytes_per_step")
    ka, kb = get(ours, "decode", "kv_dtype"), get(torch, "decode", "kv_dtype")
    print(f"| bytes read per step, GB (KV cache dtype) | {fmt(a and a / 1e9, '.3f')} ({ka}) | "
          f"{fmt(b and b / 1e9, '.3f')} ({kb}) | |")
    a, b = get(ours, "decode", "GB_per_s"), get(torch, "decode", "GB_per_s")
    print(f"| decode GB/s | {fmt(a, '.1f')} | {fmt(b, '.1f')} | {ratio(a, b)} |")
    print(f"| decode bandwidth utilization (of {fmt(probe, '.1f')} GB/s) | {utilization(ours, None)} | "
          f"{utilization(torch, torch_probe)} | |")
    projections = get(ours, "decode_projections_only", "step_ms")
    if projections is not None:
        share = get(ours, "decode_projections_only", "share_of_decode_step")
        gbs = get(ours, "decode_projections_only", "GB_per_s")
        print(f"| chunkwise: the step's projections alone, ms | {projections:.2f} ({100 * share:.0f}% of the step, "
              f"{gbs:.1f} GB/s) | | |")
    prefill_projections = get(ours, "prefill_projections_only", "best_s")
    if prefill_projections is not None:
        share = get(ours, "prefill_projections_only", "share_of_prefill")
        gflops = get(ours, "prefill_projections_only", "GFLOP_per_s")
        print(f"| chunkwise: the prefill's projections alone, s | {prefill_projections:.3f} ({100 * share:.0f}% of the "
              f"prefill, {gflops:.0f} GFLOP/s) | | |")
    print(f"| peak RSS (x weight bytes) | {rss(ours)} | {rss(torch)} | |")
    for name, label in (("prefill_profile", "one prefill"), ("decode_profile", "the decode steps")):
        profile = ours.get(name)
        if not profile:
            continue
        parts = ", ".join(f"{op} {v['s']:.3f}" for op, v in sorted(profile["ops"].items(), key=lambda kv: -kv[1]["s"]))
        print(f"| chunkwise: {label} by op, s | {profile['total_s']:.3f}: {parts}, outside ops "
              f"{profile['outside_ops_s']:.3f} | | |")
    for path in sys.argv[3:]:
        extra = read(path)
        t = get(extra, "model", "threads")
        precision = get(extra, "prefill", "matmul_precision") or "f32"
        print(f"| chunkwise {t} threads, matmul {precision}: prefill tok/s, decode tok/s, utilization | "
              f"{fmt(get(extra, 'prefill', 'tok_per_s'), '.1f')}, {fmt(get(extra, 'decode', 'tok_per_s'), '.2f')}, "
              f"{utilization(extra, None)} | | |")
    print()
    goals = []
    a, b = get(ours, "decode", "tok_per_s"), get(torch, "decode", "tok_per_s")
    if a and b:
        goals.append(f"decode >= 2x PyTorch: {a / b:.2f}x {'met' if a >= 2 * b else 'NOT met'}")
    a = get(ours, "decode", "GB_per_s")
    if a and probe:
        goals.append(f"decode >= 80% of bandwidth: {100 * a / probe:.0f}% {'met' if a >= 0.8 * probe else 'NOT met'}")
    a, b = get(ours, "prefill", "tok_per_s"), get(torch, "prefill", "tok_per_s")
    if a and b:
        goals.append(f"prefill >= 1x PyTorch: {a / b:.2f}x {'met' if a >= b else 'NOT met'}")
    a = get(ours, "peak_rss", "ratio")
    if a:
        goals.append(f"peak RSS <= 1.2x weights: {a:.2f}x {'met' if a <= 1.2 else 'NOT met'}")
    print("Goals: " + "; ".join(goals) + ".")
    return 0


if __name__ == "__main__":
    sys.exit(main())
