#!/usr/bin/env node
// BM25 index build and query latency of the npm full-text search libraries on the chunks and queries that
// bm25_bench exported (WORK_DIR/chunks.jsonl, WORK_DIR/queries.jsonl), in bm25_bench's JSON-lines format:
//   orama       @orama/orama: create({ schema: { text: 'string' } }) + insertMultiple; search({ term, limit: 10 })
//               with its defaults (BM25, English tokenizer without stemming, any query word may match)
//   minisearch  MiniSearch({ fields: ['text'] }) + addAll; search(query) with its defaults (BM25+, words
//               OR-ed, no prefix or fuzzy matching; it returns every match), the first 10 kept
// Build: the fastest of PASSES fresh indexes after one warm-up. Queries: one warm-up pass, then QUERY_PASSES
// timed passes; p50 / p99 over every timed query; recall@10 and MRR@10 from the first pass, judged by the same
// relevant chunk ids as chunkwise.
// Usage: node bench/retrieve/bm25_reference_bench.mjs WORK_DIR [PASSES] [QUERY_PASSES]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const require = createRequire(path.join(root, 'tests/reference/package.json'));
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

const [work, passesArg, queryPassesArg] = process.argv.slice(2);
if (!work) {
  console.error('usage: bm25_reference_bench.mjs WORK_DIR [PASSES] [QUERY_PASSES]');
  process.exit(2);
}
const passes = Number(passesArg ?? 5);
const queryPasses = Number(queryPassesArg ?? 5);
const readJsonl = (file) => fs.readFileSync(path.join(work, file), 'utf8').split('\n').filter((l) => l)
  .map((l) => JSON.parse(l));
const chunks = readJsonl('chunks.jsonl').map((c) => ({ id: String(c.id), text: c.text }));
const words = new Map(chunks.map((c) => [c.id, c.text.match(/\S+/g)?.length ?? 0]));
const queries = readJsonl('queries.jsonl').map((q) => ({ query: q.query, relevant: new Set(q.relevant.map(String)) }));
const now = () => Number(process.hrtime.bigint()) / 1e6;  // ms
const percentile = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))];
};

// Each returns { build: async () => index, search: async (index, query) => chunk ids, best first (<= 10) }.
const implementations = {
  orama: async () => {
    const { create, insertMultiple, search } = await load('@orama/orama');
    return {
      build: async () => {
        const db = create({ schema: { text: 'string' } });
        await insertMultiple(db, chunks);
        return db;
      },
      search: async (db, term) => (await search(db, { term, limit: 10 })).hits.map((h) => h.id),
    };
  },
  minisearch: async () => {
    const { default: MiniSearch } = await load('minisearch');
    return {
      build: async () => {
        const index = new MiniSearch({ fields: ['text'] });
        index.addAll(chunks);
        return index;
      },
      search: async (index, query) => index.search(query).slice(0, 10).map((r) => String(r.id)),
    };
  },
};

for (const name of Object.keys(implementations)) {
  try {
    const impl = await implementations[name]();
    let index = await impl.build();  // warm-up
    let best = Infinity;
    for (let pass = 0; pass < passes; ++pass) {
      index = null;
      const start = now();
      index = await impl.build();
      best = Math.min(best, now() - start);
    }
    const heapMb = process.memoryUsage().heapUsed / 1e6;
    console.log(JSON.stringify({ bench: 'bm25_build', impl: name, chunks: chunks.length, passes,
      build_s: best / 1e3, heap_used_mb: heapMb }));

    let found = 0;
    let reciprocalRank = 0;
    let tokens = 0;
    const latencies = [];
    for (let pass = 0; pass <= queryPasses; ++pass) {
      for (const q of queries) {
        const start = now();
        const ids = await impl.search(index, q.query);
        if (pass > 0) latencies.push(now() - start);
        if (pass !== 1) continue;
        const rank = ids.findIndex((id) => q.relevant.has(id));
        if (rank >= 0) {
          found += 1;
          reciprocalRank += 1 / (rank + 1);
        }
        for (const id of ids) tokens += words.get(id) ?? 0;
      }
    }
    const n = queries.length;
    console.log(JSON.stringify({ bench: 'bm25_query', impl: name, queries: n, passes: queryPasses,
      recall_at_10: found / n, mrr_at_10: reciprocalRank / n, context_tokens: tokens / n,
      p50_ms: percentile(latencies, 0.5), p99_ms: percentile(latencies, 0.99),
      mean_ms: latencies.reduce((a, b) => a + b, 0) / latencies.length }));
  } catch (error) {
    console.log(JSON.stringify({ bench: 'bm25_build', impl: name, error: String(error?.stack ?? error) }));
  }
}
