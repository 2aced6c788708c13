#!/usr/bin/env bash
# CTest driver of glam_test.mjs: the real clients of libraries and archives against
# `cardex serve` on a copy of the real-card index (the CTest fixture real_index): citation-js
# reads every generated citation back, the npm oai-pmh harvester harvests every record,
# jsonld expands the card pages' schema.org, xmllint checks every OAI-PMH and sitemap
# response. The npm packages are installed with `npm ci` from this directory's
# package-lock.json into WORK (once; --legacy-peer-deps: citation-js plugins' peer ranges
# disagree). Exit 77 (skipped) only when node, npm or xmllint is missing or the npm registry
# cannot be reached.
# Usage: run_glam_test.sh CARDEX_EXE WORK_DIR INDEX_DIR DATASETS_FILE
#   DATASETS_FILE: the real datasets' cards, which the test reindexes alone (an index swap).
set -euo pipefail
CARDEX=$1 WORK=$2 INDEX=$3 DATASETS=$4
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
# shellcheck source=../server/serve_lib.sh
. "$HERE/../server/serve_lib.sh"
command -v node >/dev/null || skip "node is not installed (scripts/bootstrap installs nodejs)"
command -v npm >/dev/null || skip "npm is not installed (scripts/bootstrap installs npm)"
command -v xmllint >/dev/null || skip "xmllint is not installed (scripts/bootstrap installs libxml2-utils)"
[ -e "$INDEX/XAPIANDB" ] || { echo "no real-card index at $INDEX" >&2; exit 1; }

DEPS="$WORK/deps"
if ! cmp -s "$HERE/package-lock.json" "$DEPS/package-lock.json" 2>/dev/null ||
   [ ! -d "$DEPS/node_modules/@citation-js/core" ]; then
  rm -rf "$DEPS"
  mkdir -p "$DEPS"
  cp "$HERE/package.json" "$HERE/package-lock.json" "$DEPS/"
  if ! (cd "$DEPS" && timeout 300 npm ci --legacy-peer-deps --cache "$WORK/npm-cache" --no-audit \
        --no-fund --loglevel=error) >"$WORK/npm-install.log" 2>&1; then
    if ! timeout 60 npm ping --cache "$WORK/npm-cache" >/dev/null 2>&1; then
      skip "the npm registry is unreachable; cannot install the test's packages"
    fi
    cat "$WORK/npm-install.log" >&2
    echo "npm ci failed" >&2
    exit 1
  fi
fi

# A copy of the real-card index: the test deletes a card from it (deletion records).
rm -rf "$WORK/index"
cp -a "$INDEX/." "$WORK/index/"
rm -f "$WORK/index/writer.lock"
start_serve "$CARDEX" "$WORK"
status=0
CARDEX_EXE=$CARDEX CARDEX_INDEX="$WORK/index" CARDEX_DATASETS=$DATASETS node "$HERE/glam_test.mjs" "$URL" "$DEPS" || status=$?
stop_serve "$WORK" $status
