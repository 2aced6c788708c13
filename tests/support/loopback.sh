# Helpers of the loopback deployment tests (tests/replica, tests/shards), sourced after the
# caller has set `cardex` (the executable), `work` (its directory, whose *.log files a
# failure prints) and `pids` (an array: every process started here is appended to it).
# skip MESSAGE: exit 77, which CTest reports as skipped.
skip() {
  echo "SKIPPED: $*" >&2
  exit 77
}
# fail MESSAGE: print it and the end of every log, exit 1.
fail() {
  echo "FAIL: $*" >&2
  for f in "$work"/*.log; do echo "--- $f" >&2; tail -15 "$f" >&2; done
  exit 1
}
free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}
# wait_for SECONDS DESCRIPTION COMMAND...: polls COMMAND every 0.2 s until it succeeds.
wait_for() {
  local seconds=$1 what=$2 i
  shift 2
  for i in $(seq 1 $((seconds * 5))); do
    "$@" >/dev/null 2>&1 && return 0
    sleep 0.2
  done
  fail "waited ${seconds}s for: $what"
}
# serve NAME DIR [OPTION...]: `cardex serve` in a session of its own on a free port; sets
# URL_<NAME>, logs to $work/serve-NAME.log.
serve() {
  local name=$1 dir=$2 log="$work/serve-$1.log" url="" i
  shift 2
  # The log exists before the poll below reads it: the background job's redirection may
  # not have made it yet, and a failed read would end a `set -e -o pipefail` caller.
  : >"$log"
  setsid "$cardex" serve --index "$dir" --listen 127.0.0.1:0 --threads 2 "$@" 2>"$log" &
  pids+=($!)
  for i in $(seq 1 600); do
    url=$(sed -n 's/^.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$url" ] && break
    sleep 0.1
  done
  [ -n "$url" ] || fail "cardex serve $name did not start"
  printf -v "URL_$name" '%s' "$url"
}
ready() { curl -sf "$1/readyz" | jq -e '.status == "ready"'; }
