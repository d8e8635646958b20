#!/bin/sh
# Retrieval evaluation on a public corpus that Debian ships: the Node.js API documentation in Markdown
# (package nodejs, /usr/share/doc/nodejs/api/*.md), the files under 40 KB (33 modules, 0.57 MB; the larger
# ones would take the tiny embedding model too long on a 2-core machine).
#
# Queries and judgments are derived mechanically by retrieve_bench (see its header): each level-2 heading
# that occurs in one document only is a query, the chunks of its section are the relevant ones. Reports per
# line of JSON: recall@10, MRR@10, context tokens and p50 latency per mode (bm25, dense, hybrid), then per
# selector under a token budget; plus index build and query figures on synthetic vectors.
#
# Usage: bench/retrieve/retrieve_eval.sh BUILD_DIR [MODEL_DIR] [POOLING] [QUERIES] [BUDGET]
#   MODEL_DIR defaults to ../shared/models/tiny-lm (a 12.6M-parameter LM, mean-pooled: a weak embedder).
set -eu
build=${1:?usage: retrieve_eval.sh BUILD_DIR [MODEL_DIR] [POOLING] [QUERIES] [BUDGET]}
model=${2:-$(dirname "$0")/../../../shared/models/tiny-lm}
pooling=${3:-mean}
queries=${4:-300}
budget=${5:-1000}
work=$(mktemp -d /tmp/chunkwise-retrieve-eval-XXXXXX)
trap 'rm -rf "$work"' EXIT

corpus=/usr/share/doc/nodejs/api
[ -d "$corpus" ] || { echo "missing $corpus (apt-get install nodejs)" >&2; exit 2; }
mkdir "$work/corpus"
find "$corpus" -maxdepth 1 -name '*.md' -size -40k -exec cp {} "$work/corpus/" \;

"$build/chunkwise" ingest "$work/corpus" --db "$work/eval.db" --json
"$build/chunkwise" embed-index --db "$work/eval.db" --model "$model" --pooling "$pooling" --json
"$build/bench/retrieve_bench" eval "$work/eval.db" "$model" "$pooling" "$queries" "$budget"
for i in 1 2 3 4 5 6 7 8 9 10 11; do
  /usr/bin/time -f '%e' "$build/chunkwise" search "error handling" --db "$work/eval.db" --mode "${MODE:-hybrid}" \
    --pooling "$pooling" --json >/dev/null 2>>"$work/cli.times"
done
sort -n "$work/cli.times" | awk '{ t[NR] = $1 } END { printf "{\"bench\":\"cli_search\",\"mode\":\"%s\",\"runs\":%d,\"p50_s\":%s}\n", ENVIRON["MODE"] ? ENVIRON["MODE"] : "hybrid", NR, t[int((NR + 1) / 2)] }'
[ "${HNSW:-1}" = 0 ] || "$build/bench/retrieve_bench" hnsw "$work/hnsw" 100000 384 200 1000
