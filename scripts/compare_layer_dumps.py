#!/usr/bin/env python3
"""Compares two tensor dumps (chunkwise's CHUNKWISE_DUMP_DIR format: index.json + raw little-endian f32 files), in
the forward order of the first, and prints max |difference| per tensor; the first tensor over --tolerance is where
the implementations part. Tensors with fewer rows in one dump (chunkwise keeps only the rows whose logits are
wanted after the last layer) are compared on their last rows. Pure Python, no numpy.

    python3 scripts/compare_layer_dumps.py REFERENCE_DIR OURS_DIR [--tolerance 1e-4]
"""

import argparse
import json
import os
import struct
import sys


def load_index(directory):
    with open(os.path.join(directory, "index.json")) as f:
        entries = json.load(f)
    return {e["name"]: e for e in entries}, [e["name"] for e in entries]


def read(directory, entry):
    with open(os.path.join(directory, entry["file"]), "rb") as f:
        data = f.read()
    return struct.unpack(f"<{len(data) // 4}f", data)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("reference")
    parser.add_argument("ours")
    parser.add_argument("--tolerance", type=float, default=1e-4)
    args = parser.parse_args()
    reference, order = load_index(args.reference)
    ours, _ = load_index(args.ours)
    first_bad = None
    print(f"{'tensor':<28} {'shape (ref)':<18} {'max |diff|':>12} {'max |ref|':>12}")
    for name in order:
        if name not in ours:
            print(f"{name:<28} {'':<18} {'(missing)':>12}")
            continue
        a, b = read(args.reference, reference[name]), read(args.ours, ours[name])
        width = reference[name]["shape"][-1] if reference[name]["shape"] else 1
        if len(a) != len(b):
            if len(a) % width or len(b) % width:
                print(f"{name:<28} sizes {len(a)} vs {len(b)} do not align")
                continue
            keep = min(len(a), len(b))
            a, b = a[len(a) - keep:], b[len(b) - keep:]
        worst = max((abs(x - y) for x, y in zip(a, b)), default=0.0)
        scale = max((abs(x) for x in a), default=0.0)
        flag = ""
        if worst > args.tolerance:
            flag = "  <-- over tolerance"
            first_bad = first_bad or name
        print(f"{name:<28} {str(reference[name]['shape']):<18} {worst:>12.4g} {scale:>12.4g}{flag}")
    if first_bad:
        print(f"first tensor over {args.tolerance}: {first_bad}")
        return 1
    print(f"all tensors within {args.tolerance}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
