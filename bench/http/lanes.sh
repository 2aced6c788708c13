#!/usr/bin/env bash
# bench/http/lanes.sh: plain searches alone, then beside a flood of phrase searches, over HTTP
# with wrk (docs/PERFORMANCE.md, "Heavy searches on their own workers").
#
#   bench/http/lanes.sh CARDEX INDEX [PORT [SERVE ARGS...]]
#
# CARDEX: a cardex executable (Release build); INDEX: an index of `cardex gen` cards (the
# words and phrases below are common in them). Starts `cardex serve --threads 2` (with SERVE
# ARGS, e.g. --heavy-nice 0), waits until it is ready, warms it,
# then: 4 connections of plain one-word searches with 4 facet counts for 15 s; the same
# while 8 connections (LANES_PHRASE_CONNECTIONS=N: N) send phrase searches of common words. Prints wrk's p50, p99 and
# requests/s of each, and how many phrase searches paused for plain ones (--heavy-yield-at). Machine: everything on the same cores (wrk's CPU included).
set -euo pipefail
cardex=$1 index=$2 port=${3:-18610}
phrase_connections=${LANES_PHRASE_CONNECTIONS:-8}
shift $(( $# < 3 ? $# : 3 ))
here=$(cd "$(dirname "$0")" && pwd)
command -v wrk >/dev/null || { echo "lanes.sh: wrk is not installed (Debian: wrk)" >&2; exit 2; }
work=$(mktemp -d)
"$cardex" serve --index "$index" --listen "127.0.0.1:$port" --threads 2 --max-queued 4096 "$@" \
  >"$work/serve.log" 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 120); do curl -sf "127.0.0.1:$port/readyz" >/dev/null && break; sleep 1; done
url=http://127.0.0.1:$port
summary() { grep -E "Requests/sec| 50%| 99%|Non-2xx"; }
wrk -t1 -c4 -d8s -s "$here/lanes_plain.lua" "$url" >/dev/null  # warm-up
echo "plain searches alone (4 connections):"
wrk -t1 -c4 -d15s -s "$here/lanes_plain.lua" --latency "$url" | summary
echo "plain searches beside phrase searches (4 + $phrase_connections connections):"
wrk -t1 -c"$phrase_connections" -d19s -s "$here/lanes_phrase.lua" --latency "$url" >"$work/phrases.txt" &
flood=$!
sleep 2
wrk -t1 -c4 -d15s -s "$here/lanes_plain.lua" --latency "$url" | summary
wait "$flood"
echo "the phrase searches meanwhile ($phrase_connections connections):"
summary <"$work/phrases.txt"
curl -fsS "$url/metrics" | awk '/^cardex_heavy_searches_held_total /{h=$2}
  /^cardex_heavy_search_pauses_total /{p=$2}
  END {print "heavy searches held for plain ones: " h+0 " (pauses of up to 5 ms: " p+0 ")"}'
