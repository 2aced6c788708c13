#!/usr/bin/env bash
# CTest standalone:fresh-copy, also the fixture real_index of the integration tests. What a
# fresh clone gets: the repository's files are copied into an empty temporary directory
# (nothing beside the copy), and there scripts/demo, with the already built cardex
# (CARDEX_DEMO_EXE: no bootstrap, no build), indexes the real cards shipped in data/cards
# into DEMO_DIR/index and serves them on a free port; the test then asks for every card, a
# search and the search page, and stops the server with SIGTERM (it must exit 0).
# Usage: fresh_copy.sh SOURCE_DIR CARDEX_EXE DEMO_DIR [CARD_FILE...]
#   CARD_FILE: index these instead of the shipped cards (CARDEX_TEST_DATA set on purpose);
#   the counts of the shipped cards are then not checked.
set -euo pipefail
SRC=$(cd "$1" && pwd -P) CARDEX=$2 DEMO_DIR=$3
shift 3
. "$(dirname "$0")/files.sh"

TMP=$(mktemp -d "${TMPDIR:-/tmp}/cardex-fresh.XXXXXX")
PID=""
cleanup() {
  # The demo runs in its own process group: stop the reindex or the server, whichever runs.
  [ -n "$PID" ] && kill -TERM -- "-$PID" 2>/dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
REPO=$TMP/cardex
mkdir "$REPO"
repo_files "$SRC" | (cd "$SRC" && xargs -0 cp --parents -t "$REPO")
echo "copied $(find "$REPO" -type f | wc -l) files ($(du -sh "$REPO" | cut -f1)) to $REPO"
[ "$(ls -A "$TMP")" = cardex ] || { echo "the copy is not alone in $TMP" >&2; exit 1; }

LOG=$TMP/demo.log
mkdir -p "$DEMO_DIR"
CARDEX_DEMO_EXE=$CARDEX CARDEX_DEMO_PORT=0 CARDEX_DEMO_DIR=$DEMO_DIR \
  setsid "$REPO/scripts/demo" "$@" >"$LOG" 2>&1 &
PID=$!
URL=""
# Indexing takes about a minute with the sanitizer build; CTest's timeout bounds the wait.
while [ -z "$URL" ]; do
  kill -0 "$PID" 2>/dev/null || { cat "$LOG" >&2; echo "scripts/demo exited" >&2; exit 1; }
  sleep 0.2
  URL=$(sed -n 's/^.*listening on \(http:[^ ]*\).*/\1/p' "$LOG" | head -1)
done
echo "scripts/demo serves at $URL"

fail() { echo "$*" >&2; tail -20 "$LOG" >&2; exit 1; }
body=$(curl -sf "$URL/api/search?limit=1&facets=type") || fail "GET /api/search failed"
if [ $# -eq 0 ]; then
  # Every shipped card is there: 4,752 models and 1,882 datasets (docs/DATA.md).
  grep -q '"total":6634' <<<"$body" || fail "expected 6634 cards, got: ${body:0:300}"
  grep -q '"value":"model","count":4752' <<<"$body" || fail "expected 4752 models: ${body:0:600}"
  grep -q '"value":"dataset","count":1882' <<<"$body" || fail "expected 1882 datasets: ${body:0:600}"
fi
body=$(curl -sf "$URL/api/search?q=bert&limit=3") || fail "GET /api/search?q=bert failed"
grep -q '"hits":\[{"id"' <<<"$body" || fail "no hits for bert: ${body:0:300}"
page=$(curl -sf "$URL/") || fail "GET / failed"
grep -qi '<html' <<<"$page" || fail "/ is not the search page"

kill -TERM "$PID"
rc=0
wait "$PID" || rc=$?
PID=""
[ $rc -eq 0 ] || fail "cardex serve exited $rc after SIGTERM"
echo "fresh copy: scripts/demo indexed and served the shipped cards; stopped cleanly"
