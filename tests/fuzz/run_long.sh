#!/usr/bin/env bash
# The long fuzz runs of docs/RELIABILITY.md: every target (or the ones named) to RUNS
# executions, one after another, one job each, from its seed corpus. Prints one summary line
# per target: executions, seconds, executions per second, coverage (libFuzzer's cov: edges
# and ft: features), corpus size, and the result. A crash, leak, UB report, out-of-memory or
# timeout stops that target and leaves its reproducer in OUT/<target>/.
# Usage: tests/fuzz/run_long.sh [-r RUNS] [-b BUILD_DIR] [-o OUT] [target...]
# Defaults: 1,000,000 runs, build-fuzz (made by tests/fuzz/run_brief.sh), OUT fuzz-long
# (ignored by git).
set -uo pipefail
cd "$(dirname "$0")/../.."
RUNS=1000000 BUILD=build-fuzz OUT=fuzz-long
while getopts "r:b:o:" opt; do
  case $opt in
    r) RUNS=$OPTARG ;;
    b) BUILD=$OPTARG ;;
    o) OUT=$OPTARG ;;
    *) echo "usage: $0 [-r RUNS] [-b BUILD_DIR] [-o OUT] [target...]" >&2; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
targets=("$@")
[ ${#targets[@]} -eq 0 ] && targets=(card_parser sources query cursor search_state http)
status=0
printf '%-13s %10s %7s %8s %7s %8s %7s  %s\n' target execs seconds exec/s cov ft corpus result
for t in "${targets[@]}"; do
  fuzzer="$BUILD/tests/fuzz/fuzz_$t"
  if [ ! -x "$fuzzer" ]; then
    echo "$t: no $fuzzer (run tests/fuzz/run_brief.sh $BUILD first)" >&2
    status=1
    continue
  fi
  dir="$OUT/$t"
  rm -rf "$dir"
  mkdir -p "$dir/corpus"
  start=$(date +%s)
  "$fuzzer" -runs="$RUNS" -max_len=4096 -timeout=2 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$dir/" "$dir/corpus" "tests/fuzz/corpus/$t" >"$dir/log" 2>&1
  rc=$?
  secs=$(($(date +%s) - start))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$dir/log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corpus=$(find "$dir/corpus" -type f | wc -l)
  result=ok
  if [ $rc -ne 0 ]; then
    result="FAILED (exit $rc): $(ls "$dir" | grep -E '^(crash|leak|timeout|oom|slow-unit)-' | head -1)"
    status=1
  fi
  printf '%-13s %10s %7s %8s %7s %8s %7s  %s\n' "$t" "${execs:-?}" "$secs" \
    "$(( ${execs:-0} / (secs > 0 ? secs : 1) ))" "${cov:-?}" "${ft:-?}" "$corpus" "$result"
done
exit $status
