#!/usr/bin/env bash
# CTest wrapper of browser_test.mjs: checks for node, npm and Debian's chromium (exit 77 =
# skipped when one is missing), installs npm playwright-core into the build dir once (never a
# browser: PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD), then runs the test.
# Usage: run_browser_test.sh CARDEX_EXE WORK_DIR ARTIFACT_DIR README_SCREENSHOT INDEX_DIR
#   INDEX_DIR: the index of the real cards (data/cards) that the CTest fixture real_index built.
set -euo pipefail
CARDEX=$1 WORK=$2 ARTIFACTS=$3 README_SHOT=$4 INDEX=$5
# Tests never write into the source tree unless asked: CARDEX_UPDATE_SCREENSHOT=1 refreshes
# the README's screenshot (docs/screenshot-search.png) from this run.
[ "${CARDEX_UPDATE_SCREENSHOT:-0}" = 1 ] || README_SHOT=""
HERE=$(cd "$(dirname "$0")" && pwd)
PLAYWRIGHT_VERSION=1.65.1
CHROMIUM=${CARDEX_CHROMIUM:-/usr/bin/chromium}

skip() { echo "SKIPPED: $*" >&2; exit 77; }
command -v node >/dev/null || skip "node is not installed (scripts/bootstrap installs nodejs)"
command -v npm >/dev/null || skip "npm is not installed (scripts/bootstrap installs npm)"
[ -x "$CHROMIUM" ] || skip "$CHROMIUM is missing (scripts/bootstrap installs chromium)"
[ -e "$INDEX/XAPIANDB" ] || { echo "no real-card index at $INDEX" >&2; exit 1; }

DEPS=$WORK/browser-deps
if [ ! -f "$DEPS/node_modules/playwright-core/package.json" ]; then
  mkdir -p "$DEPS"
  [ -f "$DEPS/package.json" ] || echo '{"private":true}' > "$DEPS/package.json"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm install --prefix "$DEPS" --cache "$WORK/npm-cache" \
    --no-audit --no-fund --loglevel=error "playwright-core@$PLAYWRIGHT_VERSION" \
    || skip "npm could not install playwright-core (no registry access?)"
fi

mkdir -p "$ARTIFACTS"
export CARDEX_EXE=$CARDEX CARDEX_WORK=$WORK CARDEX_ARTIFACTS=$ARTIFACTS
export CARDEX_DEPS=$DEPS CARDEX_CHROMIUM=$CHROMIUM CARDEX_README_SHOT=$README_SHOT
exec node "$HERE/browser_test.mjs" "$INDEX"
