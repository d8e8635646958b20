#!/usr/bin/env node
// Encode throughput of the reference tokenizers on the same corpus and tokenizer.json files as tokenizer_bench,
// printed in its JSON-lines format. One implementation and mode per process (thread settings must be in the
// environment before Hugging Face's binding loads):
//   hf        Hugging Face `tokenizers` (Rust core, Node binding). Both modes call encodeBatch() once per pass
//             over the whole corpus, so the binding's per-call cost (a promise, N-API conversion) is paid once per
//             pass, not per line. "single": run with RAYON_NUM_THREADS=1 TOKENIZERS_PARALLELISM=false, so the
//             batch is encoded line by line on one thread, like chunkwise's single mode. "all": rayon's default
//             pool (all hardware threads), like chunkwise's encode_batch. Its encodings also carry offsets, token
//             strings and masks, which chunkwise does not build: that is part of what HF costs.
//   lenml     @lenml/tokenizers (transformers.js tokenizers, pure JavaScript), line by line, single thread.
//   tiktoken  tiktoken (Rust compiled to WASM) encode_ordinary, line by line, single thread, with its own
//             encoding given as NAME=tiktoken:ENCODING (a different vocabulary from any tokenizer.json here).
// Usage: node bench/tokenizer_reference_bench.mjs --impl hf|lenml|tiktoken --mode single|all --corpus FILE.jsonl
//          [--repeat N] [--min-seconds S] NAME=PATH...   (PATH: tokenizer.json or a directory holding one)
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests/reference/package.json'));

const options = { impl: 'hf', mode: 'single', corpus: '', repeat: 4, minSeconds: 2, tokenizers: [] };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const arg = args[i];
  if (arg === '--impl') options.impl = args[++i];
  else if (arg === '--mode') options.mode = args[++i];
  else if (arg === '--corpus') options.corpus = args[++i];
  else if (arg === '--repeat') options.repeat = Number(args[++i]);
  else if (arg === '--min-seconds') options.minSeconds = Number(args[++i]);
  else if (arg.includes('=') && !arg.startsWith('--')) {
    const eq = arg.indexOf('=');
    options.tokenizers.push([arg.slice(0, eq), arg.slice(eq + 1)]);
  } else {
    console.error(`tokenizer_reference_bench: unknown argument ${arg}`);
    process.exit(2);
  }
}

// The same lines as tokenizer_bench: "text" lines only, the list repeated.
const base = fs.readFileSync(options.corpus, 'utf8').split('\n').filter((l) => l.length > 0)
  .map((l) => JSON.parse(l)).filter((l) => 'text' in l).map((l) => l.text);
const lines = [];
for (let r = 0; r < options.repeat; ++r) lines.push(...base);
const bytes = lines.reduce((sum, line) => sum + Buffer.byteLength(line, 'utf8'), 0);

async function bestSeconds(pass) {
  await pass();  // warm-up
  let best = Infinity;
  let total = 0;
  for (let runs = 0; runs < 3 || total < options.minSeconds; ++runs) {
    const start = process.hrtime.bigint();
    await pass();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds);
    total += seconds;
  }
  return best;
}

const tokenizerFile = (p) => (fs.statSync(p).isDirectory() ? path.join(p, 'tokenizer.json') : p);

async function encoderFor(impl, spec) {
  if (impl === 'hf') {
    const { Tokenizer } = require('tokenizers');
    const tokenizer = Tokenizer.fromFile(tokenizerFile(spec));
    return async () => {
      const encodings = await tokenizer.encodeBatch(lines, { addSpecialTokens: false });
      return encodings.reduce((sum, e) => sum + e.getLength(), 0);
    };
  }
  if (impl === 'lenml') {
    const { TokenizerLoader } = require('@lenml/tokenizers');
    const file = tokenizerFile(spec);
    const configFile = path.join(path.dirname(file), 'tokenizer_config.json');
    const tokenizer = TokenizerLoader.fromPreTrained({
      tokenizerJSON: JSON.parse(fs.readFileSync(file, 'utf8')),
      tokenizerConfig: fs.existsSync(configFile) ? JSON.parse(fs.readFileSync(configFile, 'utf8')) : {},
    });
    return async () => {
      let tokens = 0;
      for (const line of lines) tokens += tokenizer.encode(line, { add_special_tokens: false }).length;
      return tokens;
    };
  }
  if (impl === 'tiktoken') {
    const { get_encoding } = require('tiktoken');
    const encoding = get_encoding(spec.replace(/^tiktoken:/, ''));
    return async () => {
      let tokens = 0;
      for (const line of lines) tokens += encoding.encode_ordinary(line).length;
      return tokens;
    };
  }
  throw new Error(`unknown --impl ${impl}`);
}

const threads = options.mode === 'single' ? 1 : os.cpus().length;
for (const [name, spec] of options.tokenizers) {
  let tokens = 0;
  try {
    const encode = await encoderFor(options.impl, spec);
    const seconds = await bestSeconds(async () => { tokens = await encode(); });
    console.log(JSON.stringify({
      impl: options.impl === 'tiktoken' ? `tiktoken:${spec.replace(/^tiktoken:/, '')}` : options.impl,
      tokenizer: name, mode: options.mode, threads, bytes, tokens, seconds, mb_per_s: bytes / seconds / 1e6,
    }));
  } catch (error) {
    console.log(JSON.stringify({ impl: options.impl, tokenizer: name, mode: options.mode, error: String(error) }));
  }
}
