#!/usr/bin/env bash
# scripts/scale-demo (README "Shards"): started with 2 shards and 1 replica per shard, its
# single and sharded servers answer the same, and SIGTERM stops every process it started
# (as Ctrl-C does in a terminal: a script's background job ignores SIGINT, so the test
# cannot send that one).
#   scale_demo_test.sh CARDEX WORK CARDS...
# CARDS: the card files the demo indexes (the real datasets: the demo's default, all the real
# cards, would be indexed twice more under the sanitizers for no other check; the identical-
# results test compares every card).
# Skips (exit 77) when xapian-tools, curl, jq or python3 are missing.
set -euo pipefail
cardex=$1 work=$2
shift 2
here=$(cd "$(dirname "$0")" && pwd)
pids=()
# shellcheck source=../support/loopback.sh
. "$here/../support/loopback.sh"
for tool in xapian-tcpsrv xapian-replicate-server curl jq python3; do
  command -v $tool >/dev/null || skip "$tool is not installed (Debian: xapian-tools, curl, jq, python3)"
done
rm -rf "$work"
mkdir -p "$work"
p1=$(free_port) p2=$(free_port)
CARDEX_DEMO_EXE=$cardex CARDEX_SCALE_DIR="$work/demo" setsid "$here/../../scripts/scale-demo" \
  --shards 2 --replicas 1 --port-single "$p1" --port-sharded "$p2" "$@" >"$work/scale-demo.log" 2>&1 &
demo=$!
# Whatever happens, nothing the demo started outlives the test.
trap 'kill -TERM "$demo" 2>/dev/null || true; sleep 1; pkill -KILL -f "$work/demo" || true' EXIT
answers() { curl -sf "127.0.0.1:$1/api/search?q=$2&limit=10&facets=type,license" | jq -c '[.total, [.hits[].id], .facets]'; }
wait_for 900 "both servers of scripts/scale-demo" sh -c "curl -sf 127.0.0.1:$p1/readyz && curl -sf 127.0.0.1:$p2/readyz"
for q in bert translation "named+entity+recognition"; do
  a=$(answers "$p1" "$q") b=$(answers "$p2" "$q")
  [ "$a" = "$b" ] || fail "q=$q: single $a, sharded $b"
  [ "$(jq '.[0]' <<<"$a")" -gt 0 ] || fail "q=$q found nothing"
done
ls -d "$work/demo/replica-1/shard-000" "$work/demo/replica-1/shard-001" >/dev/null ||
  fail "no replica of each shard"
kill -TERM "$demo"
for i in $(seq 1 100); do kill -0 "$demo" 2>/dev/null || break; sleep 0.2; done
sleep 1
left=$(pgrep -f "$work/demo" || true)
[ -z "$left" ] || fail "left running after SIGTERM: $(ps -o pid,args -p "$(echo $left | tr ' ' ,)")"
echo "scripts/scale-demo: the same answers on both ports; SIGTERM stopped everything: ok"
