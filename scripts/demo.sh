#!/usr/bin/env bash
# The main job on defaults that need no user files: what `make run` shows a new user.
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
