#!/usr/bin/env node
// Turns the JSON lines of bench/retrieve/bm25_bench.sh into a Markdown table: index build time and query
// latency (lower is better) with the ratio other / chunkwise, so > 1x means chunkwise is faster, and the
// retrieval quality of each on the same chunks and judgments.
// Usage: node bench/retrieve/bm25_bench_table.mjs RESULTS.jsonl
import fs from 'node:fs';

const rows = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l));
const find = (bench, impl) => rows.find((r) => r.bench === bench && r.impl === impl);
const impls = [...new Set(rows.filter((r) => r.bench === 'bm25_build' || r.bench === 'bm25_query').map((r) => r.impl))];
const baseBuild = find('bm25_build', 'chunkwise');
const baseQuery = find('bm25_query', 'chunkwise');
const ratio = (other, base) => (other && base ? `${(other / base).toFixed(2)}x` : 'n/a');
const ms = (x) => (x === undefined ? 'n/a' : x.toFixed(3));
console.log('| index | build (s) | build: it / chunkwise | p50 query (ms) | p50: it / chunkwise | p99 query (ms) | ' +
  'recall@10 | MRR@10 | context tokens |');
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const impl of impls) {
  const build = find('bm25_build', impl);
  const query = find('bm25_query', impl);
  if (build?.error) {
    console.log(`| ${impl} | error: ${build.error.split('\n')[0]} | | | | | | | |`);
    continue;
  }
  const self = impl === 'chunkwise';
  const buildCells = !build ? '- | -' :
    `${build.build_s.toFixed(3)} | ${self ? 'baseline' : ratio(build.build_s, baseBuild?.build_s)}`;
  console.log(`| ${impl} | ${buildCells} | ` +
    `${ms(query?.p50_ms)} | ${self ? 'baseline' : ratio(query?.p50_ms, baseQuery?.p50_ms)} | ${ms(query?.p99_ms)} | ` +
    `${query?.recall_at_10.toFixed(3)} | ${query?.mrr_at_10.toFixed(3)} | ${query?.context_tokens.toFixed(0)} |`);
}
