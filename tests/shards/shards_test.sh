#!/usr/bin/env bash
# Shards on loopback (docs/SCALE.md "Shards", README "Shards"): the shipped real cards
# as one index and as 3 shards (`cardex reindex --shards 3`), each shard served by Xapian's
# `xapian-tcpsrv`, the shards searched as one index by `cardex serve`.
#   shards_test.sh CARDEX WORK JUDGMENTS SINGLE_INDEX CARDS...
# SINGLE_INDEX: the one index of CARDS, the CTest fixture real_index (scripts/demo's reindex
# of the same card files); a copy of it is served, so the real cards are not indexed again.
# (1) hundreds of requests (judged query texts with facets, filters, sorts and pages;
#     listings; the Hub API) answer identically: totals, hit ids in order, facet counts;
# (2) the model tree (Searcher::derived) over shards equals one index's, for base models
#     with children;
# (3) a shard killed during queries: the sharded server answers 503 with a message naming
#     the shard, within its deadline, never a partial answer and never a hang; it answers
#     again once the shard is back; a stopped (hung) shard is cut off by the deadline too;
# (4) an upsert routed to its shard (`cardex ingest` on the sharded directory) is found; the
#     directory that lists the remote shards refuses writes and reindexes, saying where to
#     write, and keeps its list;
# (5) the shards reindexed under the running server: every request during it answers, and
#     the server moves to the new generations.
# Skips (exit 77) when xapian-tcpsrv, curl, jq or python3 are missing.
set -euo pipefail
cardex=$1 work=$2 judgments=$3 single_index=$4
shift 4
cards=("$@")
here=$(cd "$(dirname "$0")" && pwd)

pids=()
# shellcheck source=../support/loopback.sh
. "$here/../support/loopback.sh"
for tool in xapian-tcpsrv curl jq python3; do
  command -v $tool >/dev/null || skip "$tool is not installed (Debian: xapian-tools, curl, jq, python3)"
done

rm -rf "$work"
mkdir -p "$work"
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -CONT -- "-$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do kill -TERM -- "-$p" 2>/dev/null || kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
# tcpsrv I: shard I's xapian-tcpsrv on port PORT[I], in a session of its own: Xapian's
# TcpServer signals its whole process group, and forks a child per connection, so killing
# a shard means killing its group.
declare -a PORT SRV
tcpsrv() {
  local i=$1
  setsid xapian-tcpsrv --interface 127.0.0.1 --port "${PORT[$i]}" \
    "$work/sharded/shard-00$i" >>"$work/tcpsrv-$i.log" 2>&1 &
  SRV[$i]=$!
  pids+=(${SRV[$i]})
  wait_for 30 "xapian-tcpsrv of shard $i" \
    python3 -c "import socket; socket.create_connection(('127.0.0.1', ${PORT[$i]}), 1)"
}

[ -e "$single_index/XAPIANDB" ] || fail "no real-card index at $single_index (fixture real_index)"
mkdir -p "$work/single"
cp -a "$single_index/." "$work/single/"
rm -f "$work/single/writer.lock"
"$cardex" reindex --quiet --shards 3 --index "$work/sharded" "${cards[@]}" \
  2>"$work/reindex-sharded.log" || fail "reindex --shards 3"
[ "$(cat "$work/sharded/SHARDS")" = "cardex-shards 3" ] || fail "SHARDS file: $(cat "$work/sharded/SHARDS")"
# Every card in exactly one shard.
n_single=$("$cardex" search --index "$work/single" --limit 0 --json | jq .total)
n_shards=0
for i in 0 1 2; do
  n=$("$cardex" search --index "$work/sharded/shard-00$i" --limit 0 --json | jq .total)
  [ "$n" -gt 0 ] || fail "shard $i is empty"
  n_shards=$((n_shards + n))
done
[ "$n_shards" = "$n_single" ] || fail "the shards hold $n_shards cards, the single index $n_single"

mkdir -p "$work/deploy"
for i in 0 1 2; do
  PORT[$i]=$(free_port)
  tcpsrv $i
  echo "remote 127.0.0.1:${PORT[$i]}" >>"$work/deploy/XAPIANDB"
done
serve single "$work/single" --deadline 60000
serve sharded "$work/deploy" --deadline 8000
wait_for 120 "single ready" ready "$URL_single"
wait_for 120 "sharded ready" ready "$URL_sharded"
[ "$(curl -sf "$URL_sharded/api/search?limit=0" | jq .total)" = "$n_single" ] ||
  fail "the sharded server does not count every card"

# (1) The same answers.
python3 "$here/compare.py" "$URL_single" "$URL_sharded" "$judgments" 300 >"$work/compare.txt" ||
  { tail -40 "$work/compare.txt" >&2; fail "single and sharded answers differ"; }
tail -1 "$work/compare.txt"

# (2) The model tree: the base models with the most children, through the repo info.
bases=$(curl -sf "$URL_single/api/search?limit=0&type=model&facets=base_model&facet_limit=12" |
  jq -r '.facets.base_model[].value')
[ -n "$bases" ] || fail "no base models counted"
checked=0
for b in $bases; do
  path="/api/cards/model/$b"
  a=$(curl -s "$URL_single$path" | jq -c '.derived_models | [.direct, .total, .truncated]')
  c=$(curl -s "$URL_sharded$path" | jq -c '.derived_models | [.direct, .total, .truncated]')
  [ "$a" != "[null,null,null]" ] || continue  # no card of that id: counted by the facet alone
  [ "$a" = "$c" ] || fail "$path: single $a, sharded $c"
  checked=$((checked + 1))
done
echo "(2) the model tree of $checked base models: same counts"

# (3) A shard killed during queries, then back; then a hung shard.
kill -KILL -- "-${SRV[1]}"
wait "${SRV[1]}" 2>/dev/null || true
start=$(date +%s)
code=$(curl -s -o "$work/down.json" -w '%{http_code}' --max-time 30 "$URL_sharded/api/search?q=bert&limit=5")
took_down=$(($(date +%s) - start))
[ "$code" = 503 ] || fail "with a shard down: $code $(cat "$work/down.json")"
grep -q "shard" "$work/down.json" || fail "the error does not name the shard: $(cat "$work/down.json")"
[ "$took_down" -le 12 ] || fail "with a shard down the answer took ${took_down}s"
curl -sf "$URL_sharded/healthz" >/dev/null || fail "the sharded server died with its shard"
tcpsrv 1
wait_for 30 "answers again with the shard back" \
  sh -c "[ \"\$(curl -sf '$URL_sharded/api/search?limit=0' | jq .total)\" = $n_single ]"
kill -STOP -- "-${SRV[2]}"
start=$(date +%s)
code=$(curl -s -o "$work/hung.json" -w '%{http_code}' --max-time 60 "$URL_sharded/api/search?q=llama&limit=5")
took=$(($(date +%s) - start))
kill -CONT -- "-${SRV[2]}"
[ "$code" = 503 ] || [ "$code" = 504 ] || fail "with a hung shard: $code $(cat "$work/hung.json")"
# The deadline (8 s) bounds each shard's answer; a second of slack for the rest.
[ "$took" -le 12 ] || fail "with a hung shard the answer took ${took}s (deadline 8 s)"
wait_for 60 "answers again with the shard resumed" \
  sh -c "[ \"\$(curl -sf '$URL_sharded/api/search?limit=0' | jq .total)\" = $n_single ]"
echo "(3) a killed shard: 503 in ${took_down}s naming it, recovered; a hung shard: $code in ${took}s: ok"

# (4) An upsert into the sharded directory goes to the card's shard.
printf '%s\n' '{"id":"shard-test/qwxzv-model","type":"model","downloads":3,"readme":"---\nlicense: mit\n---\n# Qwxzv\nA sharded card."}' \
  >"$work/upsert.jsonl"
"$cardex" ingest --index "$work/sharded" "$work/upsert.jsonl" >"$work/ingest.log" 2>&1 ||
  fail "ingest into a sharded index: $(cat "$work/ingest.log")"
wait_for 30 "the upserted card over the shards" \
  sh -c "[ \"\$(curl -sf '$URL_sharded/api/search?q=qwxzv&limit=0' | jq .total)\" = 1 ]"
found=0
for i in 0 1 2; do
  n=$("$cardex" search --index "$work/sharded/shard-00$i" --json --limit 0 qwxzv | jq .total)
  found=$((found + n))
done
[ "$found" = 1 ] || fail "the upserted card is in $found shards"
if out=$("$cardex" ingest --index "$work/deploy" "$work/upsert.jsonl" 2>&1); then
  fail "ingest into the directory of remote shards succeeded"
fi
grep -q "remote shards" <<<"$out" || fail "ingest into remote shards: unclear error: $out"
if out=$("$cardex" reindex --index "$work/deploy" "$work/upsert.jsonl" 2>&1); then
  fail "reindex of the directory of remote shards succeeded"
fi
grep -q "remote shards" <<<"$out" || fail "reindex of remote shards: unclear error: $out"
grep -q "^remote " "$work/deploy/XAPIANDB" || fail "the remote shards' stub was replaced"
echo "(4) an upsert reaches its one shard; the remote shards' directory refuses writes: ok"

# (5) The shards reindexed under the running server (datasets only): every request during
# the rebuild and the shards' switch answers, and the server moves to the new generations
# (it reconnects every 2 s: a connection stays on the generation it opened).
n_datasets=$(curl -sf "$URL_single/api/search?limit=0&type=dataset" | jq .total)
: >"$work/during.txt"
(
  while [ ! -e "$work/reindexed" ]; do
    curl -s -o /dev/null -w '%{http_code}\n' --max-time 30 \
      "$URL_sharded/api/search?q=translation&limit=5&facets=type" >>"$work/during.txt"
    sleep 0.2
  done
) &
poller=$!
pids+=($poller)
"$cardex" reindex --quiet --shards 3 --index "$work/sharded" "${cards[1]}" \
  2>"$work/reindex-datasets.log" || fail "reindex --shards 3 of the datasets under a running server"
wait_for 30 "the sharded server on the new generations" \
  sh -c "[ \"\$(curl -sf '$URL_sharded/api/search?limit=0' | jq .total)\" = $n_datasets ]"
touch "$work/reindexed"
wait "$poller" 2>/dev/null || true
asked=$(wc -l <"$work/during.txt")
[ "$asked" -ge 3 ] || fail "only $asked requests during the reindex"
bad=$(grep -vc '^200$' "$work/during.txt" || true)
[ "$bad" = 0 ] || fail "$bad of $asked requests during the reindex failed: $(sort "$work/during.txt" | uniq -c | tr '\n' ' ')"
# The request above reached one search worker on the new generations; each worker keeps its
# shard connections up to 2 s (kShardReconnect, query/src/searcher_impl.h) before reconnecting,
# so another may still answer from the old ones for that long. Past it, none may: every
# request (whichever worker takes it) must see no model card.
sleep 2.5
for _ in 1 2 3 4 5 6; do
  [ "$(curl -sf "$URL_sharded/api/search?limit=0&type=model" | jq .total)" = 0 ] ||
    fail "model cards are still served 2.5 s after the datasets-only reindex"
done
echo "(5) the shards reindexed under the running server: $asked requests answered, then $n_datasets cards: ok"
