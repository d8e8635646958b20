#!/usr/bin/env bash
# An A/B of generate_bench between source trees in one short device call (the GPU machine's host CPU, whose
# image lacks CMake's dependencies): every tree's generate_bench is compiled in one parallel g++ pass, then the
# trees run in turn, round after round, until the time budget is spent, so that all of them meet the same
# machine state; optionally the AMX plan probe first and PyTorch last. Whole-run figures vary by 10-20% between
# device machines, so only ratios within one call mean anything.
#
#   TREES="old=.device/old new=." bench/generate/ab_on_device.sh
# Each tree is a directory with src/ and bench/ (e.g. `git archive <rev> src bench | tar -x -C dir`); the model
# writer and PyTorch's benchmark come from the current directory (the repository root).
# Environment:
#   TREES      name=dir pairs (required), run in this order each round
#   PLANS      name=spec pairs run after the trees each round: the first tree's binary with
#              CHUNKWISE_AMX_PLAN=spec (runtime/cpu/linear_amx.h), e.g. "l1x4=l1_steps=4,prefetch=1"
#   OUT        where the results go: <name><round>.jsonl, probe.md, gemv_layout.md, torch.jsonl
#              (default /tmp/ab-out)
#   THREADS    threads (default: nproc)
#   ARGS       generate_bench arguments (default: 32 decode steps, 2 repetitions each)
#   BUDGET_S   no new round starts after this many seconds of the script (default 250)
#   PROBE      1: build and run the first tree's bench/runtime/amx_linear_probe and gemv_layout_probe
#              (default 0)
#   TORCH      1: PyTorch's torch_generate_bench.py with the same arguments after the rounds, which then end
#              70 s before BUDGET_S (default 0)
#   INCLUDE    fallback headers (fmt, nlohmann; default .device/benchgen/include)
#   MODEL_DIR  the model (written with scripts/make_bench_model.py if missing; default /tmp/llama-3.2-1b-random)
set -uo pipefail
: "${TREES:?TREES=\"name=dir ...\" is required}"
OUT=${OUT:-/tmp/ab-out}
THREADS=${THREADS:-$(nproc)}
ARGS=${ARGS:---steps 32 --prefill-reps 2 --decode-reps 2 --bandwidth-reps 5}
BUDGET_S=${BUDGET_S:-250}
PROBE=${PROBE:-0}
TORCH=${TORCH:-0}
INCLUDE=$(cd "${INCLUDE:-.device/benchgen/include}" 2>/dev/null && pwd || echo "${INCLUDE:-}")
MODEL_DIR=${MODEL_DIR:-/tmp/llama-3.2-1b-random}
BUILD=/tmp/ab-build
mkdir -p "$OUT"
rm -rf "$BUILD" && mkdir -p "$BUILD"
step() { echo "== $(date -u +%H:%M:%S) ${SECONDS}s $*"; }

step "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2), $(nproc) CPUs, $THREADS threads; $(uptime)"
read -r -a PAIRS <<<"$TREES"
if [ ! -f "$MODEL_DIR/config.json" ]; then
  python3 scripts/make_bench_model.py "$MODEL_DIR" --writer raw >"$OUT/model.log" 2>&1 &
fi
PROGRAMS=bench/generate/generate_bench.cc
[ "$PROBE" = 1 ] && PROGRAMS+=" bench/runtime/amx_linear_probe.cc bench/runtime/gemv_layout_probe.cc"
step "compile"
PROGRAMS=$PROGRAMS INCLUDE=$INCLUDE bash bench/generate/build_generate_bench.sh "$BUILD" "${PAIRS[@]}"
wait
built=("$BUILD"/*/generate_bench)
step "built: ${#built[@]} of ${#PAIRS[@]} trees"

if [ "$PROBE" = 1 ]; then
  CHUNKWISE_THREADS=$THREADS timeout 90 "$BUILD/${PAIRS[0]%%=*}/amx_linear_probe" --reps 3 | tee "$OUT/probe.md"
  CHUNKWISE_THREADS=$THREADS timeout 60 "$BUILD/${PAIRS[0]%%=*}/gemv_layout_probe" | tee "$OUT/gemv_layout.md"
fi

# Runs of a round: name, binary, CHUNKWISE_AMX_PLAN (empty: the defaults).
RUNS=()
for pair in "${PAIRS[@]}"; do
  RUNS+=("${pair%%=*}" "$BUILD/${pair%%=*}/generate_bench" "")
done
read -r -a PLAN_PAIRS <<<"${PLANS:-}"
for pair in "${PLAN_PAIRS[@]}"; do
  RUNS+=("${pair%%=*}" "$BUILD/${PAIRS[0]%%=*}/generate_bench" "${pair#*=}")
done

# Rounds stop early enough for PyTorch's run (about 70 s) to fit in the budget.
ROUNDS_UNTIL=$BUDGET_S
[ "$TORCH" = 1 ] && ROUNDS_UNTIL=$((BUDGET_S - 70))
round=1
while [ $SECONDS -lt "$ROUNDS_UNTIL" ]; do
  for ((i = 0; i < ${#RUNS[@]}; i += 3)); do
    name=${RUNS[i]}
    step "$name round $round${RUNS[i + 2]:+ (CHUNKWISE_AMX_PLAN=${RUNS[i + 2]})}"
    # shellcheck disable=SC2086  # ARGS is a list of arguments
    CHUNKWISE_AMX_PLAN=${RUNS[i + 2]} timeout 90 "${RUNS[i + 1]}" "$MODEL_DIR" --threads "$THREADS" $ARGS \
      >"$OUT/$name$round.jsonl" 2>&1
    python3 - "$OUT/$name$round.jsonl" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    if line.startswith("generate_bench:"):  # an error
        print(" ", line.rstrip())
    if line.startswith("{"):
        r = json.loads(line)
        if r.get("measure") in ("prefill", "decode", "memory_bandwidth"):
            print(" ", r["measure"], {k: r[k] for k in ("tok_per_s", "GB_per_s", "best_GB_per_s") if k in r})
        if r.get("measure") in ("prefill_profile", "decode_profile"):
            ops = {k: round(v["s"], 4) for k, v in r["ops"].items() if v["s"] > 0.005}
            print(" ", r["measure"], ops)
EOF
  done
  round=$((round + 1))
done

if [ "$TORCH" = 1 ]; then
  step "PyTorch"
  # shellcheck disable=SC2086
  PYTHONUNBUFFERED=1 timeout 150 python3 bench/generate/torch_generate_bench.py "$MODEL_DIR" \
    --threads "$THREADS" $ARGS >"$OUT/torch.jsonl" 2>&1
  grep -E '"measure": ?"(prefill|decode)"' "$OUT/torch.jsonl" | cut -c1-300
fi
step finished
