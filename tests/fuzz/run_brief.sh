#!/usr/bin/env bash
# Builds the libFuzzer targets with clang-14 in their own build directory and runs each
# briefly over its seed corpus (CTest label "fuzz"). scripts/test calls this after the
# main suites; docs/RELIABILITY.md "Fuzzing" has the long runs.
# Usage: tests/fuzz/run_brief.sh [BUILD_DIR] (default build-fuzz)
set -euo pipefail
cd "$(dirname "$0")/../.."
BUILD=${1:-build-fuzz}
launcher=()
if command -v ccache >/dev/null 2>&1; then
  launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)
fi
# Only what the fuzzers link: no tests, no benchmarks (the `cardex` executable is configured
# but not built).
CC=clang-14 CXX=clang++-14 cmake -S . -B "$BUILD" -G Ninja -DCMAKE_BUILD_TYPE=Debug \
  -DCARDEX_FUZZ=ON -DCARDEX_WERROR=ON -DCARDEX_SANITIZE=OFF -DCARDEX_BUILD_TESTS=OFF \
  -DCARDEX_BUILD_BENCH=OFF "${launcher[@]}" >/dev/null
cmake --build "$BUILD" -j "$(nproc)" --target cardex_fuzzers
ctest --test-dir "$BUILD" --output-on-failure -L fuzz -j "$(nproc)"
