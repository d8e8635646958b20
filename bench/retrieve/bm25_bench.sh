#!/usr/bin/env bash
# BM25 index build and query latency: chunkwise's catalog (SQLite FTS5) next to @orama/orama and minisearch,
# in the same run, on the same chunks, judged on the same queries. Prints the machine and its load, JSON lines
# and a table with the ratios to chunkwise.
#   bench/retrieve/bm25_bench.sh [BUILD_DIR] [PASSES] [QUERY_PASSES]
# BUILD_DIR holds chunkwise and bench/bm25_bench (default build-bench). Corpus: the Node.js API documentation
# in Markdown from Debian's nodejs package (/usr/share/doc/nodejs/api/*.md, 64 files, 3.5 MB), chunked once
# by chunkwise as `ingest` chunks it (recursive, 1000 / 200 code points, Markdown headings); bm25_bench exports
# those chunks (with the catalog's chunk ids) and the queries with their relevant chunk ids, derived
# mechanically from the headings as bench/retrieve/retrieve_eval.sh does it (see bm25_bench.cc), and the npm
# libraries index the same chunk texts. Build = storing and indexing the given chunks (chunkwise: one write
# transaction into a fresh catalog, committed to disk; the others: an in-memory index); chunking is timed
# apart. Also prints the wall time of the whole `chunkwise ingest` of the same files (a fresh process: walk,
# read, extract, chunk, store) for reference. Needs scripts/install-deps.sh --reference.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-bench} passes=${2:-5} query_passes=${3:-5}
corpus=/usr/share/doc/nodejs/api
[ -d "$corpus" ] || { echo "missing $corpus (apt-get install nodejs)" >&2; exit 2; }
work=$(mktemp -d /tmp/chunkwise-bm25-bench-XXXXXX)
trap 'rm -rf "$work"' EXIT

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "node: $(node --version); corpus: $corpus/*.md"
"$build/bench/bm25_bench" "$corpus" "$work" "$passes" "$query_passes" | tee -a "$work/results.jsonl"
node bench/retrieve/bm25_reference_bench.mjs "$work" "$passes" "$query_passes" | tee -a "$work/results.jsonl"
/usr/bin/time -f '%e %M' -o "$work/ingest.time" "$build/chunkwise" ingest "$corpus" --include '*.md' \
  --db "$work/cli.db" --json
read -r seconds kb < "$work/ingest.time"
echo "{\"bench\":\"cli_ingest\",\"wall_s\":$seconds,\"max_rss_kb\":$kb}"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
echo
node bench/retrieve/bm25_bench_table.mjs "$work/results.jsonl"
