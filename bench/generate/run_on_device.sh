#!/usr/bin/env bash
# The generation benchmark in one self-contained command, for the GPU machine's host CPU (or any Linux x86-64
# machine with g++, python3, torch and transformers): builds generate_bench with g++ -O3 straight from the
# sources (that machine's image lacks pcre2/utf8proc, so no CMake; only fmt and nlohmann-json are needed),
# writes the random Llama-3.2-1B-shaped model, runs generate_bench and torch_generate_bench.py with the same
# thread count, and prints the side-by-side table (bench/generate/summarize.py).
#
#   bench/generate/run_on_device.sh 2>&1 | tee log.txt          from the repository root
# Environment:
#   OUT            where results go (default /tmp/generate-bench-out): machine.txt, chunkwise.jsonl,
#                  pytorch.jsonl, chunkwise-<N>t.jsonl, summary.md
#   THREADS        threads of both benchmarks (default: nproc)
#   EXTRA_THREADS  further thread counts to run generate_bench with, e.g. "8" (default none)
#   EXTRA_PRECISIONS  further --matmul-precision values to run generate_bench with (short decode), e.g.
#                  "bf16x2 bf16" (default none)
#   SRC            the tree to build and run from (default .): e.g. a `git archive` snapshot of src/,
#                  bench/generate/ and scripts/make_bench_model.py
#   INCLUDE        a fallback include directory (-idirafter) for headers the machine lacks (nlohmann/json.hpp,
#                  fmt/*.h; without a linkable libfmt, fmt is used header-only); default .device/benchgen/include
#   MODEL_DIR      where the model is written (default /tmp/llama-3.2-1b-random; kept if it has config.json)
#   BENCH_ARGS     extra arguments for both benchmarks (e.g. "--prompt 128 --steps 16" for a quick check)
#   RUN_TORCH      0 to skip the PyTorch baseline (default 1)
#   FMT_MODE       auto (default: the system libfmt when it links, else header-only) or header
set -uo pipefail

OUT=${OUT:-/tmp/generate-bench-out}
THREADS=${THREADS:-$(nproc)}
EXTRA_THREADS=${EXTRA_THREADS:-}
EXTRA_PRECISIONS=${EXTRA_PRECISIONS:-}
SRC=${SRC:-.}
INCLUDE=${INCLUDE:-.device/benchgen/include}
MODEL_DIR=${MODEL_DIR:-/tmp/llama-3.2-1b-random}
read -r -a BENCH <<<"${BENCH_ARGS:-}"
FMT_MODE=${FMT_MODE:-auto}
RUN_TORCH=${RUN_TORCH:-1}
BUILD=${BUILD:-/tmp/generate-bench-build}
mkdir -p "$OUT" "$BUILD"

step() { echo "== $(date -u +%H:%M:%S) $*"; }

step "machine"
{
  date -u +"%Y-%m-%d %H:%M:%S UTC"
  echo "nproc $(nproc)"
  grep -m1 "model name" /proc/cpuinfo
  echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_bf16|amx_bf16|amx_tile)$' | tr '\n' ' ')"
  lscpu 2>/dev/null | grep -E "^(Socket|Core|Thread|NUMA node\(s\)|L3|L2)" || true
  grep MemTotal /proc/meminfo
  uname -r
  g++ --version | head -1
  python3 -c 'import torch, transformers; print("torch", torch.__version__, "transformers", transformers.__version__)' 2>&1
  uptime
} | tee "$OUT/machine.txt"

step "build generate_bench (g++ -O3, $(nproc) jobs)"
INCLUDE=$INCLUDE FMT_MODE=$FMT_MODE bash "$(dirname "$0")/build_generate_bench.sh" "$BUILD" "tree=$SRC" || exit 1
GENERATE_BENCH=$BUILD/tree/generate_bench
ls -la "$GENERATE_BENCH"

if [ ! -f "$MODEL_DIR/config.json" ]; then
  step "model"
  python3 "$SRC/scripts/make_bench_model.py" "$MODEL_DIR" --seed 0 ||
    { rm -rf "$MODEL_DIR"; python3 "$SRC/scripts/make_bench_model.py" "$MODEL_DIR" --writer raw; } || exit 1
fi
ls -la "$MODEL_DIR"

step "chunkwise generate_bench, $THREADS threads"
"$GENERATE_BENCH" "$MODEL_DIR" --threads "$THREADS" "${BENCH[@]}" | tee "$OUT/chunkwise.jsonl"

if [ "$RUN_TORCH" = 1 ]; then
  step "PyTorch eager bf16, $THREADS threads"
  PYTHONUNBUFFERED=1 python3 "$SRC/bench/generate/torch_generate_bench.py" "$MODEL_DIR" --threads "$THREADS" \
    "${BENCH[@]}" | tee "$OUT/pytorch.jsonl"
fi

EXTRA_FILES=()
for threads in $EXTRA_THREADS; do
  step "chunkwise generate_bench, $threads threads"
  "$GENERATE_BENCH" "$MODEL_DIR" --threads "$threads" "${BENCH[@]}" | tee "$OUT/chunkwise-${threads}t.jsonl"
  EXTRA_FILES+=("$OUT/chunkwise-${threads}t.jsonl")
done

for precision in $EXTRA_PRECISIONS; do
  step "chunkwise generate_bench, $THREADS threads, matmul precision $precision"
  "$GENERATE_BENCH" "$MODEL_DIR" --threads "$THREADS" "${BENCH[@]}" --matmul-precision "$precision" \
    --steps 16 --decode-reps 1 --bandwidth-reps 3 | tee "$OUT/chunkwise-$precision.jsonl"
  EXTRA_FILES+=("$OUT/chunkwise-$precision.jsonl")
done

step "summary"
python3 "$SRC/bench/generate/summarize.py" "$OUT/chunkwise.jsonl" "$OUT/pytorch.jsonl" "${EXTRA_FILES[@]}" |
  tee "$OUT/summary.md"
step "done"
