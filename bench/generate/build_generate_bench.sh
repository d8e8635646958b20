#!/usr/bin/env bash
# Builds generate_bench (and other one-file bench programs) with g++ -O3 straight from one or more source
# trees, for machines without CMake's dependencies (the GPU machine's host image lacks pcre2 and utf8proc; only
# fmt and nlohmann-json are needed, from the system or from INCLUDE). All trees compile in one parallel pass.
#
#   bench/generate/build_generate_bench.sh BUILD_DIR name=tree [name=tree ...]
# Each tree is a directory with src/ and bench/ (the repository root, or a `git archive <rev> src bench`
# snapshot). For each tree it writes BUILD_DIR/<name>/lib.a (src/common, src/runtime and src/model) and one
# program per entry of PROGRAMS, BUILD_DIR/<name>/<file name without .cc>. Exits non-zero if any fails or
# is missing from a tree (the others are still built).
# Environment:
#   PROGRAMS   main sources, relative to each tree (default bench/generate/generate_bench.cc)
#   INCLUDE    a fallback include directory (-idirafter) for headers the machine lacks (nlohmann/json.hpp,
#              fmt/*.h; without a linkable libfmt, fmt is used header-only); default .device/benchgen/include
#   FMT_MODE   auto (default: the system libfmt when it links, else header-only) or header
set -uo pipefail
if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR name=tree [name=tree ...]" >&2
  exit 2
fi
BUILD=$1
shift
read -r -a PROGRAMS <<<"${PROGRAMS:-bench/generate/generate_bench.cc}"
INCLUDE=${INCLUDE:-.device/benchgen/include}
INCLUDE=$(cd "$INCLUDE" 2>/dev/null && pwd || echo "$INCLUDE")
FMT_MODE=${FMT_MODE:-auto}
mkdir -p "$BUILD"

FMT_FLAGS=()
FMT_LIBS=()
if [ "$FMT_MODE" = auto ] && printf '#include <fmt/format.h>\nint main() { return int(fmt::format("{}", 1).size()); }\n' |
  g++ -std=c++20 -x c++ - -lfmt -o "$BUILD/fmt_check" 2>/dev/null; then
  FMT_LIBS=(-lfmt)
  echo "fmt: system library"
else
  FMT_FLAGS=(-DFMT_HEADER_ONLY)
  echo "fmt: header-only"
fi
FLAGS=(-std=c++20 -O3 -DNDEBUG -Wall -Wextra -idirafter "$INCLUDE" "${FMT_FLAGS[@]}" -pthread)

# One compile job a line: the tree's include directory, the source, the object (library objects under lib/).
for pair in "$@"; do
  name=${pair%%=*} tree=${pair#*=}
  if [ "$name" = "$pair" ] || [ ! -d "$tree/src" ]; then
    echo "not a name=tree pair with a src/ directory: $pair" >&2
    exit 2
  fi
  rm -rf "${BUILD:?}/$name"
  mkdir -p "$BUILD/$name/lib"
  while read -r source; do
    echo "-I$tree/src -c $source -o $BUILD/$name/lib/$(echo "${source#"$tree"/src/}" | tr ./ __).o"
  done < <(find "$tree/src/common" "$tree/src/runtime" "$tree/src/model" -name '*.cc' | sort)
  for program in "${PROGRAMS[@]}"; do
    if [ -f "$tree/$program" ]; then
      echo "-I$tree/src -c $tree/$program -o $BUILD/$name/$(basename "$program" .cc).o"
    else
      echo "$name: no $program in $tree" >&2
    fi
  done
done >"$BUILD/jobs"

echo "compiling $(wc -l <"$BUILD/jobs") objects with $(nproc) jobs"
# shellcheck disable=SC2016  # expanded by the inner shell
xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" {} || echo "FAILED {}"' _ "${FLAGS[@]}" <"$BUILD/jobs" \
  >"$BUILD/compile.log" 2>&1
if grep -q FAILED "$BUILD/compile.log"; then
  grep -E "FAILED|error" "$BUILD/compile.log" | head -20
  echo "build failed (all of it in $BUILD/compile.log)"
  exit 1
fi

status=0
for pair in "$@"; do
  name=${pair%%=*}
  # An archive, so that only what a program needs is linked (as with CMake's static libraries: the model's
  # embedder needs the tokenizer, which this build leaves out).
  ar rcs "$BUILD/$name/lib.a" "$BUILD/$name"/lib/*.o || status=1
  for program in "${PROGRAMS[@]}"; do
    binary=$BUILD/$name/$(basename "$program" .cc)
    [ -f "$binary.o" ] || { status=1; continue; }
    g++ -pthread -o "$binary" "$binary.o" "$BUILD/$name/lib.a" "${FMT_LIBS[@]}" || {
      echo "link of $binary failed"
      status=1
    }
  done
done
exit $status
