#!/bin/sh
# Chunkers compared on one corpus: the Node.js API documentation files under 40 KB (as retrieve_eval.sh), ingested
# once per chunker into a fresh catalog, then `retrieve_bench chunkers` (judgments from the source headings, so
# that every chunker answers the same queries; see its header): BM25 top 10 and the selectors under a budget.
# The semantic and perplexity chunkers run MODEL_DIR (default ../shared/models/tiny-lm; mean-pooled for
# semantic). Prints JSON lines, plus the ingest time of each chunker.
#
# Usage: bench/retrieve/chunker_eval.sh BUILD_DIR [MODEL_DIR] [QUERIES] [BUDGET]
#   CHUNKERS="token sentence recursive structure semantic perplexity" (default: all)
set -eu
build=${1:?usage: chunker_eval.sh BUILD_DIR [MODEL_DIR] [QUERIES] [BUDGET]}
model=${2:-$(dirname "$0")/../../../shared/models/tiny-lm}
queries=${3:-300}
budget=${4:-1000}
chunkers=${CHUNKERS:-token sentence recursive structure semantic perplexity}
work=$(mktemp -d /tmp/chunkwise-chunker-eval-XXXXXX)
trap 'rm -rf "$work"' EXIT

corpus=/usr/share/doc/nodejs/api
[ -d "$corpus" ] || { echo "missing $corpus (apt-get install nodejs)" >&2; exit 2; }
mkdir "$work/corpus"
find "$corpus" -maxdepth 1 -name '*.md' -size -40k -exec cp {} "$work/corpus/" \;

for chunker in $chunkers; do
  case $chunker in
    semantic | perplexity) model_args="--chunk-model $model" ;;
    *) model_args="" ;;
  esac
  start=$(date +%s.%N)
  # shellcheck disable=SC2086  # model_args is two words or none
  "$build/chunkwise" ingest "$work/corpus" --db "$work/$chunker.db" --chunker "$chunker" $model_args --json >/dev/null
  end=$(date +%s.%N)
  echo "{\"bench\":\"chunkers_ingest\",\"chunker\":\"$chunker\",\"seconds\":$(awk "BEGIN { print $end - $start }")}"
  "$build/bench/retrieve_bench" chunkers "$work/$chunker.db" "$queries" "$budget"
done
