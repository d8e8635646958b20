#!/usr/bin/env bash
# Chunking throughput: chunkwise's recursive and token chunkers next to the npm chunkers people use
# (@langchain/textsplitters, @chonkiejs/core, @llamaindex/core's SentenceSplitter), in the same run, on the
# same documents, with the same chunk size and overlap. Prints the machine and its load, one JSON line per
# measurement, and a table with chunkwise / other ratios (one thread each).
#   bench/chunking/chunk_bench.sh [BUILD_DIR] [REPEAT] [MIN_SECONDS]
# BUILD_DIR holds bench/chunk_bench (default build-bench: cmake --build build-bench --target chunk_bench).
# Corpus: the Node.js API documentation in Markdown from Debian's nodejs package (/usr/share/doc/nodejs/api/
# *.md, 64 files, 3.5 MB), each file chunked as its own document, REPEAT copies (default 8: 28 MB).
# Settings, made comparable:
#   recursive  1000 / 200 characters (chunkwise counts code points, the JavaScript chunkers UTF-16 units: the
#              same on this corpus but for a few hundred non-ASCII characters). chonkie has no overlap
#              setting (0). SentenceSplitter counts tokens: once with a character-length tokenizer (1000 /
#              200), once with its default cl100k_base tokenizer at sizes converted by the corpus's measured
#              characters per token.
#   token      chunkwise: 256 / 51 whitespace-separated words; chonkie's TokenChunker counts characters, so
#              its size and overlap are 256 / 51 times the corpus's characters per word (measured, printed).
# The chunkers that need more than SLOW_SECONDS (default 10) for one copy of the corpus (SentenceSplitter,
# chonkie's TokenChunker) are timed on that single cold pass over one copy.
# Needs scripts/install-deps.sh --reference (the npm packages in tests/reference).
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-bench} repeat=${2:-8} min_seconds=${3:-2}
corpus=/usr/share/doc/nodejs/api
[ -d "$corpus" ] || { echo "missing $corpus (apt-get install nodejs)" >&2; exit 2; }
results=$(mktemp)
trap 'rm -f "$results"' EXIT
common=(--corpus "$corpus" --ext .md --repeat "$repeat" --min-seconds "$min_seconds")

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node: $(node --version); corpus: $corpus/*.md x$repeat"
"$build/bench/chunk_bench" "${common[@]}" recursive:1000:200 token:256:51 | tee -a "$results"
node bench/chunking/chunk_reference_bench.mjs "${common[@]}" --slow-seconds "${SLOW_SECONDS:-10}" \
  --chars 1000:200 --words 256:51 | tee -a "$results"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
node bench/chunking/chunk_bench_table.mjs "$results"
