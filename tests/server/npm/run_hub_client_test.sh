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
# shellcheck source=../serve_lib.sh
. "$HERE/../serve_lib.sh"
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

build_index "$CARDEX" "$WORK" "$@"
start_serve "$CARDEX" "$WORK"

status=0
node "$HERE/hub_client_test.mjs" "$URL" "$MODULES" "$@" || status=$?
stop_serve "$WORK" $status
