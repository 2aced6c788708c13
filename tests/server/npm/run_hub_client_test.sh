#!/usr/bin/env bash
# CTest driver for hub_client_test.mjs: installs @huggingface/hub with npm into WORK (once),
# indexes the card files, starts `cardex serve` on a free loopback port, runs the client test,
# and stops the server with SIGTERM (it must exit 0).
# Exit 77 (CTest SKIP_RETURN_CODE) only when node/npm are missing or the npm registry cannot
# be reached; every other failure fails the test.
# Usage: run_hub_client_test.sh CARDEX_EXE WORK_DIR CARD_FILE...
set -euo pipefail
CARDEX=$1
WORK=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"

skip() {
  echo "SKIPPED: $*" >&2
  exit 77
}
command -v node >/dev/null || skip "node is not installed"
command -v npm >/dev/null || skip "npm is not installed"

MODULES="$WORK/npm"
if [ ! -f "$MODULES/node_modules/@huggingface/hub/package.json" ]; then
  mkdir -p "$MODULES"
  if ! timeout 300 npm install --prefix "$MODULES" --cache "$MODULES/.cache" --no-audit \
      --no-fund --loglevel=error "@huggingface/hub@^2" >"$WORK/npm-install.log" 2>&1; then
    if ! timeout 60 npm ping --cache "$MODULES/.cache" >/dev/null 2>&1; then
      skip "the npm registry is unreachable; cannot install @huggingface/hub"
    fi
    cat "$WORK/npm-install.log" >&2
    echo "npm install @huggingface/hub failed" >&2
    exit 1
  fi
fi
echo "using @huggingface/hub $(node -p "require('$MODULES/node_modules/@huggingface/hub/package.json').version")"

# The index is built once and rebuilt when an input (or the executable) is newer.
INDEX="$WORK/index"
STAMP="$WORK/index.stamp"
stale=0
[ -f "$STAMP" ] || stale=1
for f in "$CARDEX" "$@"; do [ "$f" -nt "$STAMP" ] && stale=1; done
if [ $stale -eq 1 ]; then
  rm -rf "$INDEX" "$STAMP"
  "$CARDEX" reindex --quiet --index "$INDEX" "$@"
  touch "$STAMP"
fi

LOG="$WORK/serve.log"
"$CARDEX" serve --index "$INDEX" --listen 127.0.0.1:0 --threads 2 2>"$LOG" &
PID=$!
trap 'kill -TERM $PID 2>/dev/null || true' EXIT
URL=""
for _ in $(seq 1 300); do
  URL=$(sed -n 's/^listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)
  [ -n "$URL" ] && break
  kill -0 $PID 2>/dev/null || { cat "$LOG" >&2; echo "cardex serve exited" >&2; exit 1; }
  sleep 0.1
done
[ -n "$URL" ] || { cat "$LOG" >&2; echo "cardex serve did not start" >&2; exit 1; }

status=0
node "$HERE/hub_client_test.mjs" "$URL" "$MODULES" "$@" || status=$?

kill -TERM $PID
rc=0
wait $PID || rc=$?
trap - EXIT
if [ $status -ne 0 ]; then
  tail -20 "$LOG" >&2
  exit $status
fi
[ $rc -eq 0 ] || { echo "cardex serve exited $rc after SIGTERM" >&2; exit 1; }
echo "cardex serve stopped cleanly; $(grep -c '^access ' "$LOG") requests logged"
