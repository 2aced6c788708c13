#!/usr/bin/env bash
# Runs one fuzz target briefly: every seed of CORPUS, then the mutations its flags ask for.
# New inputs go to OUT/corpus (in the build directory), never into the seed corpus of the
# source tree; a crash, leak, UB report or timeout leaves its reproducer in OUT and fails.
# Usage: run_target.sh FUZZER OUT CORPUS [libFuzzer flags...]
set -euo pipefail
fuzzer=$1 out=$2 corpus=$3
shift 3
rm -rf "$out/corpus"
mkdir -p "$out/corpus"
exec "$fuzzer" -artifact_prefix="$out/" "$@" "$out/corpus" "$corpus"
