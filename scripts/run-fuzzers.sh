#!/usr/bin/env bash
# Runs every fuzz target built in BUILD_DIR for SECONDS each, starting from its committed seed corpus
# (fuzz/corpus/NAME; targets are named NAME_fuzz). New inputs go to a scratch copy, not into the repo.
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
cd "$(dirname "$0")/.."
build=$1 seconds=$2
status=0
for fuzzer in "$build"/fuzz/*_fuzz; do
  [ -x "$fuzzer" ] || continue
  name=$(basename "$fuzzer" _fuzz)
  work=fuzz/corpus-work/$name
  rm -rf "$work" && mkdir -p "$work"
  [ -d fuzz/corpus/$name ] && cp -r fuzz/corpus/$name/. "$work/"
  echo "== $name: ${seconds}s"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=4096 -print_final_stats=1 \
       -artifact_prefix="$work/" "$work" > "$work.log" 2>&1; then
    echo "!! $name failed: see $work.log"; tail -n 30 "$work.log"; status=1
  else
    grep -E "stat::number_of_executed_units|Done" "$work.log" | tail -n 2
  fi
done
exit $status
