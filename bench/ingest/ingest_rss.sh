#!/usr/bin/env bash
# Peak memory of `chunkwise ingest` on about 1 GB of text (issue 5: peak RSS under 1 GB). Generates the text in
# a temporary directory under /tmp, ingests it into a fresh catalog under /usr/bin/time -v, prints peak RSS,
# MB/s and the RSS curve (sampled from /proc every second), then deletes everything it made.
#   bench/ingest/ingest_rss.sh [BUILD_DIR] [MEGABYTES] [CHUNKER] [LAYOUT]
# BUILD_DIR holds chunkwise (default build-bench); MEGABYTES of text (default 1000, 10^6 bytes); CHUNKER
# recursive (default) or token; LAYOUT files (default: many files of 1-260 KB) or single (all of it
# concatenated into one Markdown file).
# The text: the Node.js API documentation in Markdown (Debian's nodejs package, /usr/share/doc/nodejs/api/*.md,
# 64 files, 3.5 MB) copied into copy-N/ directories until MEGABYTES are written. Every copy is perturbed so
# that no two files are alike and the index sees a growing vocabulary, as a real corpus would: every 8th line
# gets a word unique to that copy and line (u<copy>x<line>), and the first line names the copy.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build-bench} megabytes=${2:-1000} chunker=${3:-recursive} layout=${4:-files}
corpus=/usr/share/doc/nodejs/api
[ -d "$corpus" ] || { echo "missing $corpus (apt-get install nodejs)" >&2; exit 2; }
[ -x "$build/chunkwise" ] || { echo "missing $build/chunkwise" >&2; exit 2; }
work=$(mktemp -d /tmp/chunkwise-ingest-rss-XXXXXX)
sampler=
cleanup() {
  [ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "date: $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine: $(nproc) threads, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(free -g | awk '/^Mem:/ { print $2 }') GB RAM, load $(cut -d' ' -f1-3 /proc/loadavg)"

# Generate.
start=$(date +%s.%N)
bytes=0 copy=0
target=$((megabytes * 1000000))
while [ "$bytes" -lt "$target" ]; do
  copy=$((copy + 1))
  mkdir "$work/data/copy-$copy" -p
  awk -v copy="$copy" -v dir="$work/data/copy-$copy" '
    FNR == 1 { name = FILENAME; sub(/.*\//, "", name); out = dir "/" name; print "copy " copy " of " name > out }
    { if (FNR % 8 == 0) print $0 " u" copy "x" FNR > out; else print > out }
  ' "$corpus"/*.md
  bytes=$((bytes + $(find "$work/data/copy-$copy" -type f -printf '%s\n' | awk '{ s += $1 } END { print s }')))
done
if [ "$layout" = single ]; then
  find "$work/data" -type f | sort | xargs cat > "$work/all.md"
  rm -rf "$work/data"
  mkdir "$work/data"
  mv "$work/all.md" "$work/data/all.md"
fi
files=$(find "$work/data" -type f | wc -l)
echo "generated: $files files, $bytes bytes in $copy copies, $(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }') s"

# Ingest, with an RSS sample every second (seconds since start, VmRSS in kB).
/usr/bin/time -v -o "$work/time.txt" "$build/chunkwise" ingest "$work/data" --db "$work/catalog.db" \
  --chunker "$chunker" --json > "$work/summary.json" &
timer=$!
(
  t=0
  while kill -0 "$timer" 2>/dev/null; do
    pid=$(pgrep -P "$timer" -x chunkwise || true)
    [ -n "$pid" ] && awk -v t="$t" '/^VmRSS/ { print t, $2 }' "/proc/$pid/status" 2>/dev/null >> "$work/rss.txt" || true
    sleep 1
    t=$((t + 1))
  done
) &
sampler=$!
wait "$timer"
status=$?
wait "$sampler" || true
sampler=
cat "$work/summary.json"
[ "$status" = 0 ] || { echo "ingest failed with status $status" >&2; cat "$work/time.txt" >&2; exit 1; }

peak_kb=$(awk -F': ' '/Maximum resident set size/ { print $2 }' "$work/time.txt")
wall=$(awk -F': ' '/Elapsed \(wall clock\)/ { print $2 }' "$work/time.txt" | awk -F: '{ s = 0; for (i = 1; i <= NF; ++i) s = s * 60 + $i; print s }')
user=$(awk -F': ' '/User time/ { print $2 }' "$work/time.txt")
sys=$(awk -F': ' '/System time/ { print $2 }' "$work/time.txt")
db_bytes=$(du -cb "$work"/catalog.db* | tail -1 | cut -f1)
echo "RSS curve (s: MB), every 30th sample:"
awk 'NR % 30 == 1 { printf "  %d: %.0f", $1, $2 / 1024 } END { print "" }' "$work/rss.txt"
awk -v kb="$peak_kb" -v wall="$wall" -v user="$user" -v sys="$sys" -v bytes="$bytes" -v files="$files" \
  -v db="$db_bytes" -v chunker="$chunker" -v layout="$layout" 'BEGIN {
  printf "{\"bench\":\"ingest_rss\",\"layout\":\"%s\",\"chunker\":\"%s\",\"files\":%d,\"bytes\":%d,\"wall_s\":%.1f,\"user_s\":%.1f,\"sys_s\":%.1f,\"mb_per_s\":%.2f,\"peak_rss_mb\":%.1f,\"catalog_bytes\":%d}\n",
    layout, chunker, files, bytes, wall, user, sys, bytes / wall / 1e6, kb / 1024, db
}'
echo "peak RSS: $((peak_kb / 1024)) MiB (goal: under 1 GB)"
