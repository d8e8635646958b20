#!/usr/bin/env node
// Chunking throughput of the npm chunkers on the same corpus as chunk_bench (every DIR/*EXT file, sorted, each
// chunked REPEAT times as its own document; fastest of several passes, one thread), in chunk_bench's
// JSON-lines format. One line per implementation:
//   langchain-recursive  @langchain/textsplitters RecursiveCharacterTextSplitter (size/overlap in UTF-16 units,
//                        its default separators "\n\n", "\n", " ", "")
//   chonkie-recursive    @chonkiejs/core RecursiveChunker (character tokenizer, its default rules; it has no
//                        overlap setting, so overlap 0)
//   llamaindex-sentence  @llamaindex/core SentenceSplitter with a character-length tokenizer (size/overlap in
//                        UTF-16 units; counting costs one .length: the cheapest tokenizer it can be given)
//   llamaindex-sentence-cl100k  SentenceSplitter with its default tokenizer (cl100k_base through js-tiktoken),
//                        size and overlap converted from characters to tokens at the corpus's characters per token
//   chonkie-token        @chonkiejs/core TokenChunker (character tokenizer), size and overlap converted from
//                        words to characters at the corpus's characters per word (whitespace-separated words)
// Usage: node chunk_reference_bench.mjs --corpus DIR [--ext .md] [--repeat N] [--min-seconds S] [--passes P]
//          [--slow-seconds S] [--chars SIZE:OVERLAP] [--words SIZE:OVERLAP] [--only NAME,NAME]
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const reference = path.join(root, 'tests/reference/package.json');
const require = createRequire(reference);
// ES-module-only packages are imported through the path that Node's resolver gives for tests/reference.
const load = async (name) => import(pathToFileURL(require.resolve(name)).href);

const options = { corpus: '', ext: '.md', repeat: 8, minSeconds: 2, passes: 3, slowSeconds: 10, chars: '1000:200',
  words: '256:51', only: '' };
const args = process.argv.slice(2);
for (let i = 0; i < args.length; ++i) {
  const arg = args[i];
  const key = { '--corpus': 'corpus', '--ext': 'ext', '--repeat': 'repeat', '--min-seconds': 'minSeconds',
    '--passes': 'passes', '--slow-seconds': 'slowSeconds', '--chars': 'chars', '--words': 'words', '--only': 'only' }[arg];
  if (!key || i + 1 >= args.length) {
    console.error(`chunk_reference_bench: bad argument ${arg}`);
    process.exit(2);
  }
  options[key] = ['repeat', 'minSeconds', 'passes', 'slowSeconds'].includes(key) ? Number(args[++i]) : args[++i];
}
const [charSize, charOverlap] = options.chars.split(':').map(Number);
const [wordSize, wordOverlap] = options.words.split(':').map(Number);

const files = fs.readdirSync(options.corpus).filter((f) => f.endsWith(options.ext)).sort()
  .map((f) => path.join(options.corpus, f)).filter((f) => fs.statSync(f).isFile());
const base = files.map((f) => fs.readFileSync(f, 'utf8'));
const documents = [];
// Separate copies (decoded again), as chunk_bench keeps them: V8 would otherwise share one string per file.
for (let r = 0; r < options.repeat; ++r) documents.push(...base.map((d) => Buffer.from(d, 'utf8').toString('utf8')));
const bytes = documents.reduce((sum, d) => sum + Buffer.byteLength(d, 'utf8'), 0);
const baseChars = base.reduce((sum, d) => sum + d.length, 0);
const baseWords = base.reduce((sum, d) => sum + (d.match(/\S+/g)?.length ?? 0), 0);
const charsPerWord = baseChars / baseWords;

async function bestSeconds(pass) {
  await pass();  // warm-up
  let best = Infinity;
  let total = 0;
  for (let runs = 0; runs < options.passes || total < options.minSeconds; ++runs) {
    const start = process.hrtime.bigint();
    await pass();
    const seconds = Number(process.hrtime.bigint() - start) / 1e9;
    best = Math.min(best, seconds);
    total += seconds;
  }
  return best;
}

// Each returns { chunker, size, overlap, unit, note, split: async (text) => array of chunk texts }.
const implementations = {
  'langchain-recursive': async () => {
    const { RecursiveCharacterTextSplitter } = await load('@langchain/textsplitters');
    const splitter = new RecursiveCharacterTextSplitter({ chunkSize: charSize, chunkOverlap: charOverlap });
    return { chunker: 'recursive', size: charSize, overlap: charOverlap, unit: 'chars',
      split: (text) => splitter.splitText(text) };
  },
  'chonkie-recursive': async () => {
    const { RecursiveChunker } = await load('@chonkiejs/core');
    const chunker = await RecursiveChunker.create({ chunkSize: charSize });
    return { chunker: 'recursive', size: charSize, overlap: 0, unit: 'chars', note: 'no overlap setting',
      split: async (text) => (await chunker.chunk(text)).map((c) => c.text) };
  },
  'llamaindex-sentence': async () => {
    const { SentenceSplitter } = await load('@llamaindex/core/node-parser');
    const tokenizer = { encode: (text) => ({ length: text.length }), decode: () => '' };
    const splitter = new SentenceSplitter({ chunkSize: charSize, chunkOverlap: charOverlap, tokenizer });
    return { chunker: 'recursive', size: charSize, overlap: charOverlap, unit: 'chars',
      note: 'character-length tokenizer', split: (text) => splitter.splitText(text) };
  },
  'llamaindex-sentence-cl100k': async () => {
    const { SentenceSplitter } = await load('@llamaindex/core/node-parser');
    const { Settings } = await load('@llamaindex/core/global');
    let tokens = 0;
    for (const d of base) tokens += Settings.tokenizer.encode(d).length;
    const charsPerToken = baseChars / tokens;
    const size = Math.round(charSize / charsPerToken);
    const overlap = Math.round(charOverlap / charsPerToken);
    const splitter = new SentenceSplitter({ chunkSize: size, chunkOverlap: overlap });
    return { chunker: 'recursive', size, overlap, unit: 'cl100k tokens',
      note: `default tokenizer; ${charsPerToken.toFixed(2)} chars/token`, split: (text) => splitter.splitText(text) };
  },
  'chonkie-token': async () => {
    const { TokenChunker } = await load('@chonkiejs/core');
    const size = Math.round(wordSize * charsPerWord);
    const overlap = Math.round(wordOverlap * charsPerWord);
    const chunker = await TokenChunker.create({ chunkSize: size, chunkOverlap: overlap });
    return { chunker: 'token', size, overlap, unit: 'chars', note: `${charsPerWord.toFixed(2)} chars/word`,
      split: async (text) => (await chunker.chunk(text)).map((c) => c.text) };
  },
};

// A first pass over one copy of the corpus gives the chunk statistics and tells the slow chunkers apart: one
// that takes more than --slow-seconds for it is reported from that single (cold) pass over one copy; the others
// get the fastest of --passes passes (at least --min-seconds in all) over all REPEAT copies after it.
const only = options.only ? options.only.split(',') : Object.keys(implementations);
for (const name of only) {
  try {
    const impl = await implementations[name]();
    let chunkChars = 0;
    let oneCopy = 0;
    const start = process.hrtime.bigint();
    for (const d of base) {
      const out = await impl.split(d);
      oneCopy += out.length;
      for (const c of out) chunkChars += c.length;
    }
    const probeSeconds = Number(process.hrtime.bigint() - start) / 1e9;
    const baseBytes = bytes / options.repeat;
    let result = { passes: 1, copies: 1, bytes: baseBytes, chunks: oneCopy, seconds: probeSeconds };
    if (probeSeconds <= options.slowSeconds) {
      let chunks = 0;
      const seconds = await bestSeconds(async () => {
        chunks = 0;
        for (const d of documents) chunks += (await impl.split(d)).length;
      });
      result = { passes: options.passes, copies: options.repeat, bytes, chunks, seconds };
    }
    console.log(JSON.stringify({ impl: name, chunker: impl.chunker, size: impl.size, overlap: impl.overlap,
      unit: impl.unit, note: impl.note ?? '', files: files.length, ...result, mean_chunk_chars: chunkChars / oneCopy,
      mb_per_s: result.bytes / result.seconds / 1e6 }));
  } catch (error) {
    console.log(JSON.stringify({ impl: name, error: String(error?.stack ?? error) }));
  }
}
