#!/usr/bin/env node
// Turns the JSON lines of bench/chunking/chunk_bench.sh into a Markdown table: MB/s (higher is better) and the
// ratio chunkwise / that chunker, against chunkwise's chunker of the same kind measured in the same run.
// Usage: node bench/chunking/chunk_bench_table.mjs RESULTS.jsonl
import fs from 'node:fs';

const rows = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l));
const baseline = (chunker) => rows.find((r) => r.impl === 'chunkwise' && r.chunker === chunker);
console.log('| implementation | kind | settings | passes x copies | chunks / copy | mean chunk (chars) | MB/s | chunkwise / it |');
console.log('|---|---|---|---|---:|---:|---:|---:|');
for (const r of rows) {
  if (r.error) {
    console.log(`| ${r.impl} | | error: ${r.error.split('\n')[0]} | | | | | |`);
    continue;
  }
  const base = baseline(r.chunker);
  const copies = r.copies ?? r.documents / r.files;
  const passes = r.passes ?? 'best';
  const ratio = r.impl === 'chunkwise' ? 'baseline' : base ? `${(base.mb_per_s / r.mb_per_s).toFixed(2)}x` : 'n/a';
  const settings = `${r.size} / ${r.overlap} ${r.unit}${r.note ? ` (${r.note})` : ''}`;
  console.log(`| ${r.impl} | ${r.chunker} | ${settings} | ${passes} x ${copies} | ${Math.round(r.chunks / copies)} | ` +
    `${r.mean_chunk_chars.toFixed(0)} | ${r.mb_per_s.toFixed(2)} | ${ratio} |`);
}
