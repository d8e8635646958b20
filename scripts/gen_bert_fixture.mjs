#!/usr/bin/env node
// Generates the BERT-style WordPiece fixtures and the synthetic fixtures for the less common components, with
// Hugging Face's own `tokenizers` (Rust core, Node binding), and their goldens over the shared corpora:
//   tests/data/tokenizers/{bert-uncased,bert-cased,synthetic-bpe-nfkc,synthetic-metaspace}/tokenizer.json
//   tests/data/golden/tokenizer/<name>.jsonl   one line per corpus line:
//     {"text" (or "base64" for bytes that are not UTF-8), "ids" (no special tokens), "ids_special" (with), "decoded" (decode(ids_special)),
//      "decoded_skip_special" (decode(ids_special, skip_special_tokens))}
// Every tokenizer.json is written by the binding's save(), so it is exactly what Hugging Face writes and loads.
// The WordPiece vocabularies are derived deterministically from the Llama-2 vocabulary (its word-initial pieces
// become words, its other pieces "##" continuations, in Llama-2's merge order) plus the characters of
// tests/data/corpus/bert_extra.jsonl.
// Usage: node scripts/gen_bert_fixture.mjs   (needs scripts/install-deps.sh --reference)
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(path.join(root, 'tests/reference/package.json'));
const hf = require('tokenizers');

const referenceModels = path.join(root, 'tests/reference/node_modules/@lenml');
const llama2Path = path.join(referenceModels, 'tokenizer-llama2/models/tokenizer.json');
const corpusFiles = ['multilingual.jsonl', 'bert_extra.jsonl']
  .map((name) => path.join(root, 'tests/data/corpus', name))
  .filter((file) => fs.existsSync(file));
// A corpus line is {"text": ...} or, for bytes that are not valid UTF-8, {"base64": ...}.
const readCorpusLines = (file) =>
  fs.readFileSync(file, 'utf8').split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line));
const readCorpus = (file) => readCorpusLines(file).filter((line) => 'text' in line).map((line) => line.text);
const corpus = corpusFiles.flatMap(readCorpusLines);
// The vocabularies take characters from this corpus only, so the fixtures stay the same when the shared corpus grows.
const vocabCorpus = readCorpus(path.join(root, 'tests/data/corpus/bert_extra.jsonl'));

const specialTokens = ['[PAD]', '[UNK]', '[CLS]', '[SEP]', '[MASK]'];
const wordCount = 2500;
const continuationCount = 1200;

function buildWordPieceVocab(normalizer) {
  const preTokenizer = hf.bertPreTokenizer();
  const pieces = (text) => preTokenizer.preTokenizeString(normalizer.normalizeString(text)).map(([piece]) => piece);
  const vocab = new Map();
  const add = (token) => { if (!vocab.has(token)) vocab.set(token, vocab.size); };
  specialTokens.forEach(add);

  // Characters: printable ASCII, then every character of the corpora and of Llama-2's single-character pieces.
  const chars = new Set();
  for (let c = 33; c < 127; ++c) chars.add(String.fromCharCode(c));
  const llamaTokens = Object.entries(JSON.parse(fs.readFileSync(llama2Path, 'utf8')).model.vocab)
    .sort((a, b) => a[1] - b[1]).map(([token]) => token);
  const llamaText = llamaTokens.filter((t) => !/^<.*>$/.test(t)).map((t) => t.replaceAll('\u2581', ' '));
  for (const text of [...vocabCorpus, ...llamaText.filter((t) => [...t.trim()].length === 1)])
    for (const piece of pieces(text)) for (const c of piece) chars.add(c);
  // A few characters stay out so that unknown characters (whole word -> [UNK]) are exercised.
  for (const c of ['\u{1F970}', '\u{1FAE0}', '\u0E2A', '\u263A']) chars.delete(c);
  const sortedChars = [...chars].sort();
  sortedChars.forEach(add);
  sortedChars.forEach((c) => add('##' + c));

  let words = 0;
  let continuations = 0;
  for (const text of llamaText) {
    const split = pieces(text);
    if (split.length !== 1 || [...split[0]].length < 2) continue;
    if (text.startsWith(' ') && words < wordCount) {
      if (!vocab.has(split[0])) { add(split[0]); ++words; }
    } else if (!text.startsWith(' ') && continuations < continuationCount) {
      if (!vocab.has('##' + split[0])) { add('##' + split[0]); ++continuations; }
    }
  }
  return Object.fromEntries(vocab);
}

function bertTokenizer({ lowercase }) {
  const normalizer = lowercase
    ? hf.bertNormalizer({ cleanText: true, handleChineseChars: true, lowercase: true })  // strip_accents: null
    : hf.bertNormalizer({ cleanText: true, handleChineseChars: true, stripAccents: false, lowercase: false });
  const vocab = buildWordPieceVocab(normalizer);
  const tokenizer = new hf.Tokenizer(hf.WordPiece.init(vocab, {
    unkToken: '[UNK]', continuingSubwordPrefix: '##', maxInputCharsPerWord: 100,
  }));
  tokenizer.setNormalizer(normalizer);
  tokenizer.setPreTokenizer(hf.bertPreTokenizer());
  tokenizer.setDecoder(hf.wordPieceDecoder('##', true));
  const cls = ['[CLS]', vocab['[CLS]']];
  const sep = ['[SEP]', vocab['[SEP]']];
  tokenizer.setPostProcessor(lowercase
    ? hf.templateProcessing('[CLS] $A [SEP]', '[CLS] $A [SEP] $B:1 [SEP]:1', [cls, sep])
    : hf.bertProcessing(sep, cls));
  tokenizer.addAddedTokens(specialTokens.map((token) => new hf.AddedToken(token, true)));
  return tokenizer;
}

// Llama-2's vocabulary behind the less common normalizers and pre-tokenizers.
function llama2Variant(edit) {
  const spec = JSON.parse(fs.readFileSync(llama2Path, 'utf8'));
  edit(spec);
  return hf.Tokenizer.fromString(JSON.stringify(spec));
}

const fixtures = {
  'bert-uncased': () => bertTokenizer({ lowercase: true }),
  'bert-cased': () => bertTokenizer({ lowercase: false }),
  'synthetic-bpe-nfkc': () => llama2Variant((spec) => {
    spec.normalizer = { type: 'Sequence', normalizers: [
      { type: 'NFKC' }, { type: 'Lowercase' }, { type: 'Strip', strip_left: true, strip_right: true },
      { type: 'NFD' }, { type: 'StripAccents' }] };
    spec.pre_tokenizer = { type: 'Sequence', pretokenizers: [
      { type: 'Whitespace' }, { type: 'Digits', individual_digits: true }, { type: 'Punctuation', behavior: 'Isolated' }] };
  }),
  'synthetic-bpe-split': () => llama2Variant((spec) => {
    spec.normalizer = { type: 'Sequence', normalizers: [{ type: 'NFKD' }, { type: 'StripAccents' }, { type: 'Lowercase' }] };
    spec.pre_tokenizer = { type: 'Sequence', pretokenizers: [
      { type: 'WhitespaceSplit' }, { type: 'Digits', individual_digits: false },
      { type: 'Punctuation', behavior: 'Contiguous' }] };
  }),
  'synthetic-metaspace': () => llama2Variant((spec) => {
    // What transformers' LlamaConverter writes for legacy=false (Mistral style).
    spec.normalizer = null;
    spec.pre_tokenizer = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
    spec.decoder = { type: 'Metaspace', replacement: '\u2581', prepend_scheme: 'first', split: false };
  }),
};

const goldenDir = path.join(root, 'tests/data/golden/tokenizer');
fs.mkdirSync(goldenDir, { recursive: true });
for (const [name, build] of Object.entries(fixtures)) {
  const dir = path.join(root, 'tests/data/tokenizers', name);
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'tokenizer.json');
  build().save(file, false);
  const tokenizer = hf.Tokenizer.fromFile(file);  // goldens come from the saved file, as chunkwise loads it
  const lines = [];
  for (const line of corpus) {
    // Invalid UTF-8 becomes U+FFFD, as chunkwise (and Python's errors="replace") decode it.
    const text = 'text' in line ? line.text : Buffer.from(line.base64, 'base64').toString('utf8');
    const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
    const idsSpecial = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds();
    lines.push(JSON.stringify({
      ...('text' in line ? { text } : { base64: line.base64 }), ids, ids_special: idsSpecial,
      decoded: await tokenizer.decode(idsSpecial, false),
      decoded_skip_special: await tokenizer.decode(idsSpecial, true),
    }));
  }
  fs.writeFileSync(path.join(goldenDir, `${name}.jsonl`), lines.join('\n') + '\n');
  console.log(`${name}: vocab ${tokenizer.getVocabSize(true)}, ${corpus.length} golden lines`);
}
