#!/usr/bin/env bash
# The main job on defaults that need no user files: what `make run` shows a new user (tokenize, generate,
# ingest + search, ask).
# Usage: scripts/demo.sh [PATH/TO/chunkwise]
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${1:-build/chunkwise}
tok=assets/tokenizers/tiny-lm

echo "== chunkwise $($bin --version | cut -d' ' -f2): tokenize a sample with the bundled tokenizer ($tok)"
echo "\$ chunkwise tokenize --tokenizer $tok --text 'Hello, chunkwise!' --tokens"
$bin tokenize --tokenizer "$tok" --text 'Hello, chunkwise!' --tokens
echo
echo "\$ chunkwise tokenize --tokenizer $tok --lines < assets/samples/hello.txt"
$bin tokenize --tokenizer "$tok" --lines < assets/samples/hello.txt
echo
echo "\$ ... | chunkwise tokenize --tokenizer $tok --lines | chunkwise tokenize --tokenizer $tok --decode"
$bin tokenize --tokenizer "$tok" --lines < assets/samples/hello.txt | $bin tokenize --tokenizer "$tok" --decode
echo
echo "\$ echo '{\"messages\": [...]}' | chunkwise tokenize --tokenizer $tok --chat --add-generation-prompt"
echo '{"messages": [{"role": "system", "content": "Answer from the documents and cite them."}, {"role": "user", "content": "What is chunkwise?"}]}' |
  $bin tokenize --tokenizer "$tok" --chat --add-generation-prompt
echo

model=tests/data/models/tiny-models/llama-gqa/tf5
note="a tiny test model with random weights: the text is noise, the pipeline is real"
if [ -f ../shared/models/tiny-lm/model.safetensors ]; then
  model=../shared/models/tiny-lm note="the small model trained on Debian package descriptions"
fi
echo "== generate with $model ($note)"
echo "\$ chunkwise generate --model $model --prompt 'The package provides' --max-tokens 48 --verbose"
$bin generate --model "$model" --prompt 'The package provides' --max-tokens 48 --verbose
echo
echo

db_dir=$(mktemp -d)
trap 'rm -rf "$db_dir"' EXIT
corpus=/usr/share/debian-reference  # Debian's own handbook, HTML (package debian-reference-en, installed by
                                    # scripts/install-deps.sh)
if [ -d "$corpus" ]; then
  echo "== ingest the Debian Reference (HTML, $corpus) into a catalog and search it (BM25)"
  echo "\$ chunkwise ingest $corpus --include '*.html' --db demo.db"
  $bin ingest "$corpus" --include '*.html' --db "$db_dir/demo.db"
  for query in 'apt pinning' 'network interface configuration'; do
    echo "\$ chunkwise search '$query' --db demo.db --top-k 3"
    $bin search "$query" --db "$db_dir/demo.db" --top-k 3
  done
  echo
  echo "== answer from the handbook with $model, citing the sources ($note)"
  echo "\$ chunkwise ask 'How does apt pinning work?' --db demo.db --model $model --top-k 3 --max-tokens 48"
  $bin ask 'How does apt pinning work?' --db "$db_dir/demo.db" --model "$model" --top-k 3 --max-tokens 48
else
  echo "== ($corpus is missing: run scripts/install-deps.sh) ingest the project's documentation and search it"
  echo "\$ chunkwise ingest README.md docs --db demo.db"
  $bin ingest README.md docs --db "$db_dir/demo.db"
  echo "\$ chunkwise search 'paged kv cache' --db demo.db --top-k 3"
  $bin search 'paged kv cache' --db "$db_dir/demo.db" --top-k 3
fi
