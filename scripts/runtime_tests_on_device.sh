#!/usr/bin/env bash
# Builds and runs the runtime's unit tests (tests/runtime) on a machine without CMake's dependencies, such as
# the GPU machine's host (its image lacks pcre2/utf8proc/gtest): g++ straight from src/common, src/runtime and
# GoogleTest's sources, carried in GTEST (a copy of Debian's /usr/src/googletest/googletest: include/ and src/).
# That host's CPU has AMX, which the CI machines lack: this is how the AMX kernels' tests run.
#
#   scripts/runtime_tests_on_device.sh [gtest arguments...]
# Environment: GTEST (default .device/gtest), INCLUDE (fallback headers: fmt, nlohmann; default
# .device/benchgen/include), BUILD (default /tmp/runtime-tests-build).
set -euo pipefail
GTEST=${GTEST:-.device/gtest}
INCLUDE=${INCLUDE:-.device/benchgen/include}
BUILD=${BUILD:-/tmp/runtime-tests-build}
mkdir -p "$BUILD"
grep -m1 "model name" /proc/cpuinfo || true
echo "flags: $(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx512f|avx512_bf16|amx_bf16|amx_tile)$' | tr '\n' ' ')"
FLAGS=(-std=c++20 -O2 -Wall -Wextra -DFMT_HEADER_ONLY -Isrc -Itests -I"$GTEST/include" -I"$GTEST"
  -idirafter "$INCLUDE" -pthread -DCHUNKWISE_TEST_DATA="\"$PWD/tests/data\"")
mapfile -t SOURCES < <(find src/common src/runtime tests/runtime -name '*.cc' | sort)
SOURCES+=("$GTEST/src/gtest-all.cc" "$GTEST/src/gtest_main.cc")
export BUILD
printf '%s\n' "${SOURCES[@]}" |
  xargs -P "$(nproc)" -I{} sh -c 'g++ "$@" -c "{}" -o "$BUILD/$(echo "{}" | tr ./ __).o" || echo "FAILED {}"' _ \
    "${FLAGS[@]}" | tee "$BUILD/compile.log"
if grep -q FAILED "$BUILD/compile.log"; then exit 1; fi
g++ -pthread -o "$BUILD/runtime_tests" "$BUILD"/*.o
"$BUILD/runtime_tests" "$@"
