#!/usr/bin/env bash
# Read replicas on loopback (README "Read replicas", docs/RELIABILITY.md): a primary index of
# the shipped real cards served by xapian-replicate-server, followers kept by `cardex follow`
# and served by `cardex serve`.
#   replica_test.sh CARDEX WORK CARDS...
# (1) a follower answers /api/search and /api/models as the primary does (totals and ids);
# (2) an upsert and a delete on the primary reach it, as changesets (no full copy);
# (3) a new generation (reindex) on the primary: a reader polling the follower meanwhile sees
#     the old total or the new one, never another, never an error;
# (4) kill -9 of `cardex follow` and its xapian-replicate mid full copy: the follower keeps
#     its generation, and a restarted follow catches up;
# (5) the primary's replication server killed: the follower keeps answering, /readyz says it
#     is stale with a growing lag, and it catches up when the server returns.
# Skips (exit 77) when the Xapian replication tools, curl, jq or python3 are missing.
set -euo pipefail
cardex=$1 work=$2
shift 2
cards=("$@")

here=$(cd "$(dirname "$0")" && pwd)
pids=()
# shellcheck source=../support/loopback.sh
. "$here/../support/loopback.sh"
for tool in xapian-replicate xapian-replicate-server curl jq python3; do
  command -v $tool >/dev/null || skip "$tool is not installed (Debian: xapian-tools, curl, jq, python3)"
done

rm -rf "$work"
mkdir -p "$work/parent"
cleanup() {
  local p
  for p in "${pids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
total() { curl -sf "$1/api/search?q=$2&limit=0" | jq -e .total; }
status_field() { sed -n "s/^$2 //p" "$1/follow.status"; }
# In a session of its own: on SIGTERM, xapian-replicate-server (Xapian's TcpServer) sends
# SIGTERM to its whole process group, which would be this script and its servers.
start_replication_server() {
  setsid xapian-replicate-server -I 127.0.0.1 -p "$RPORT" "$work/parent" >>"$work/replicate-server.log" 2>&1 &
  RSERVER=$!
  pids+=($RSERVER)
  wait_for 30 "xapian-replicate-server listening" \
    python3 -c "import socket; socket.create_connection(('127.0.0.1', $RPORT), 1)"
}

# The primary: the real cards, changesets kept for followers (XAPIAN_MAX_CHANGESETS).
primary="$work/parent/cards"
export XAPIAN_MAX_CHANGESETS=50
# --xapian-positions: xapian-replicate copies Xapian's tables, not the position store, so a
# primary that read replicas follow keeps its cards' positions in Xapian too (README).
"$cardex" reindex --quiet --xapian-positions --index "$primary" "${cards[@]}" ||
  fail "reindex of the primary"
RPORT=$(free_port)
start_replication_server
serve primary "$primary" --deadline 60000

# (1) A first sync, then the follower answers as the primary does.
follower="$work/follower"
"$cardex" follow --primary "127.0.0.1:$RPORT" --master cards --index "$follower" --once \
  2>"$work/follow-once.log" || fail "first sync"
[ "$(status_field "$follower" full_copies)" = 1 ] || fail "the first sync is not one full copy"
printf 'replica-test-admin-token-0123456789\t*admin*\n' >"$work/tokens"
chmod 600 "$work/tokens"
serve follower "$follower" --deadline 60000 --tokens "$work/tokens"
wait_for 120 "follower ready" ready "$URL_follower"
for q in "search?q=bert&limit=50" "search?q=llama+instruct&limit=50&sort=downloads" \
         "search?q=&limit=100" "search?q=translation&type=dataset&limit=50" \
         "search?q=%22named+entity%22+OR+%22fill+mask%22&limit=50"; do
  a=$(curl -sf "$URL_primary/api/$q" | jq -c '[.total, [.hits[].id]]')
  b=$(curl -sf "$URL_follower/api/$q" | jq -c '[.total, [.hits[].id]]')
  [ "$a" = "$b" ] || fail "/api/$q differs: primary $a follower $b"
  [ "$(jq '.[0]' <<<"$a")" -gt 0 ] || fail "/api/$q found nothing"
done
for q in "models?search=bert&limit=50" "datasets?limit=100&sort=downloads" "models?limit=100"; do
  a=$(curl -sfD "$work/h1" "$URL_primary/api/$q" | jq -c '[.[].id]')
  b=$(curl -sfD "$work/h2" "$URL_follower/api/$q" | jq -c '[.[].id]')
  ta=$(grep -i '^x-total-count' "$work/h1" | tr -d '\r')
  tb=$(grep -i '^x-total-count' "$work/h2" | tr -d '\r')
  [ "$a" = "$b" ] && [ "$ta" = "$tb" ] || fail "/api/$q differs: $ta $a / $tb $b"
done
echo "(1) follower answers as the primary: ok"

# A follower refuses writes, clearly.
printf '%s\n' '{"id":"replica-test/refused-model","type":"model","readme":"---\nlicense: mit\n---\n# Refused\nNot written."}' \
  >"$work/refused.jsonl"
if out=$("$cardex" ingest --index "$follower" "$work/refused.jsonl" 2>&1); then
  fail "ingest into a follower succeeded"
fi
grep -q "read replica" <<<"$out" || fail "ingest into a follower: unclear error: $out"
code=$(curl -s -o "$work/admin.json" -w '%{http_code}' -X POST --data-binary @"$work/refused.jsonl" \
  -H "Authorization: Bearer replica-test-admin-token-0123456789" "$URL_follower/api/admin/cards")
[ "$code" = 503 ] && grep -q "read replica" "$work/admin.json" ||
  fail "admin upsert into a follower: $code $(cat "$work/admin.json")"

# (2) An upsert and a delete on the primary reach the follower as changesets. The follower
# starts after both commits: Xapian 1.4 publishes a revision before its changeset file
# (docs/SCALE.md "Replicas"), so a sync that lands inside a commit is served as a full copy,
# correct but not what this step checks.
printf '%s\n' '{"id":"replica-test/zyxwvut-model","type":"model","downloads":5,"readme":"---\nlicense: mit\n---\n# Zyxwvut\nA replicated card."}' \
  >"$work/upsert.jsonl"
victim=$(curl -sf "$URL_primary/api/search?q=bert&limit=1" | jq -r '.hits[0].id')
before=$(total "$URL_follower" bert)
"$cardex" ingest --index "$primary" "$work/upsert.jsonl" >/dev/null || fail "upsert on the primary"
"$cardex" delete --index "$primary" --type model "$victim" >/dev/null || fail "delete on the primary"
"$cardex" follow --primary "127.0.0.1:$RPORT" --master cards --index "$follower" --interval 1 \
  2>"$work/follow.log" &
FOLLOW=$!
pids+=($FOLLOW)
wait_for 120 "the upsert on the follower" \
  sh -c "[ \"\$(curl -sf '$URL_follower/api/search?q=zyxwvut&limit=0' | jq .total)\" = 1 ]"
wait_for 60 "the delete on the follower" \
  sh -c "[ \"\$(curl -sf '$URL_follower/api/search?q=bert&limit=0' | jq .total)\" = $((before - 1)) ]"
[ "$(status_field "$follower" full_copies)" = 0 ] || fail "an upsert was sent as a full copy"
[ "$(status_field "$follower" changesets)" -ge 1 ] || fail "no changeset applied"
echo "(2) upsert and delete travel as changesets: ok"

# (4, set up) A second follower, a copy of the first at this generation, will follow through
# a slow proxy so that a full copy takes long enough to be killed half-way.
kill -TERM $FOLLOW
wait $FOLLOW || fail "cardex follow did not stop cleanly on SIGTERM"
follower2="$work/follower2"
cp -a "$follower" "$follower2"
rm -f "$follower2/follow.lock"
"$cardex" follow --primary "127.0.0.1:$RPORT" --master cards --index "$follower" --interval 1 \
  2>>"$work/follow.log" &
FOLLOW=$!
pids+=($FOLLOW)

# (3) A new generation on the primary: the follower's readers see the old total or the new.
old=$(total "$URL_follower" "")
[ "$old" = "$(total "$URL_primary" "")" ] || fail "the follower is behind before the reindex"
seen="$work/seen.txt"
: >"$seen"
# The reader: polls the follower from before the reindex until told to stop.
(
  while [ ! -e "$work/stop-polling" ]; do
    code=$(curl -s -o "$work/poll.json" -w '%{http_code}' "$URL_follower/api/search?q=&limit=0")
    echo "$code $(jq -r .total "$work/poll.json" 2>/dev/null)" >>"$seen"
    sleep 0.02
  done
) &
poller=$!
wait_for 30 "the first poll" test -s "$seen"
"$cardex" reindex --quiet --index "$primary" "${cards[1]}" || fail "second reindex of the primary"
# The primary's own server keeps answering from the old generation until it has warmed the
# new one (seconds under ASan on a loaded machine): wait for it to switch.
primary_switched() {
  local t
  t=$(total "$URL_primary" "") && [ -n "$t" ] && [ "$t" != "$old" ]
}
wait_for 120 "the primary's server on its new generation" primary_switched
new=$(total "$URL_primary" "")
[ "$new" != "$old" ] || fail "the second generation has the same total"
wait_for 120 "the new generation on the follower" sh -c "tail -1 '$seen' | grep -qx '200 $new'"
touch "$work/stop-polling"
wait $poller
bad=$(grep -v -e "^200 $old\$" -e "^200 $new\$" "$seen" | sort | uniq -c || true)
[ -z "$bad" ] || fail "a reader of the follower saw during the switch: $bad"
# Old, then new: once the new total is seen, never the old one again.
first_new=$(grep -n "^200 $new\$" "$seen" | head -1 | cut -d: -f1)
tail -n +"$first_new" "$seen" >"$work/seen-after.txt"
if grep -qx "200 $old" "$work/seen-after.txt"; then fail "the old generation came back"; fi
[ "$first_new" -gt 1 ] || fail "the reader saw no read of the old generation"
echo "(3) generation switch: $(grep -c "^200 $old\$" "$seen") reads of $old, then $new: ok"
# That generation was built without --xapian-positions: its positions are in the store the
# follower did not receive, so a phrase is a clear error there, and words alone answer.
code=$(curl -s -o "$work/phrase.json" -w '%{http_code}' "$URL_follower/api/search?q=%22named+entity%22")
[ "$code" = 500 ] && grep -q -- "--xapian-positions" "$work/phrase.json" ||
  fail "a phrase on a follower without the store: $code $(cat "$work/phrase.json")"
[ "$(total "$URL_follower" "named+entity")" = "$(total "$URL_primary" "named+entity")" ] ||
  fail "words alone differ on the follower of a store-only generation"
code=$(curl -s -o "$work/phrase.json" -w '%{http_code}' "$URL_primary/api/search?q=%22named+entity%22")
[ "$code" = 200 ] || fail "a phrase on the primary: $code"
echo "(3b) a store-only generation: phrases refused on the follower, clearly: ok"

# (4) kill -9 mid full copy, restart, catch up.
PPORT=$(free_port)
python3 - "$PPORT" "$RPORT" >"$work/proxy.log" 2>&1 <<'EOF' &
# A TCP relay that passes 32 KiB every 50 ms: about 640 KB/s.
import socket, sys, threading, time
listen, target = int(sys.argv[1]), int(sys.argv[2])
def pump(a, b, slow):
    try:
        while True:
            data = a.recv(32768)
            if not data:
                break
            b.sendall(data)
            if slow:
                time.sleep(0.05)
    except OSError:
        pass
    for s in (a, b):
        try:
            s.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", listen))
srv.listen(8)
while True:
    c, _ = srv.accept()
    u = socket.create_connection(("127.0.0.1", target))
    threading.Thread(target=pump, args=(c, u, False), daemon=True).start()
    threading.Thread(target=pump, args=(u, c, True), daemon=True).start()
EOF
pids+=($!)
wait_for 30 "the proxy" python3 -c "import socket; socket.create_connection(('127.0.0.1', $PPORT), 1)"
live2=$(sed -n 's/^auto //p' "$follower2/XAPIANDB")
offline2=replica_1
[ "$live2" = replica_1 ] && offline2=replica_0
"$cardex" follow --primary "127.0.0.1:$PPORT" --master cards --index "$follower2" --interval 1 \
  2>"$work/follow2.log" &
FOLLOW2=$!
pids+=($FOLLOW2)
wait_for 120 "a partial copy in $follower2/$offline2" \
  sh -c "[ \$(du -sk '$follower2/$offline2' 2>/dev/null | cut -f1) -gt 512 ]"
child=$(pgrep -P $FOLLOW2 || true)
[ -n "$child" ] || fail "no xapian-replicate under cardex follow"
kill -KILL $FOLLOW2 $child
wait $FOLLOW2 2>/dev/null || true
[ "$(sed -n 's/^auto //p' "$follower2/XAPIANDB")" = "$live2" ] || fail "the stub moved to a partial copy"
out=$("$cardex" search --index "$follower2" --limit 0 --json) || fail "the killed follower's index does not open"
[ "$(jq .total <<<"$out")" = "$old" ] || fail "the killed follower does not serve its generation"
"$cardex" follow --primary "127.0.0.1:$RPORT" --master cards --index "$follower2" --once \
  2>>"$work/follow2.log" || fail "the restarted follow failed"
out=$("$cardex" search --index "$follower2" --limit 0 --json)
[ "$(jq .total <<<"$out")" = "$new" ] || fail "the restarted follower did not catch up"
[ "$(status_field "$follower2" uuid)" = "$(status_field "$follower" uuid)" ] || fail "uuid differs"
echo "(4) kill -9 mid full copy, restart, catch up: ok"

# (5) The replication server dies: the follower serves, stale, and catches up afterwards.
kill -KILL $RSERVER
wait $RSERVER 2>/dev/null || true
wait_for 60 "a failed sync" sh -c "[ \"\$(sed -n 's/^failures //p' '$follower/follow.status')\" -ge 1 ]"
r1=$(curl -sf "$URL_follower/readyz") || fail "/readyz of a follower without its primary is not 200"
jq -e '.replica.stale == true' <<<"$r1" >/dev/null || fail "not stale: $r1"
lag1=$(jq .replica.lag_seconds <<<"$r1")
[ "$(total "$URL_follower" "")" = "$new" ] || fail "the follower stopped answering"
printf '%s\n' '{"id":"replica-test/qwertzuiop-model","type":"model","readme":"# Qwertzuiop\nWritten while the server was down."}' \
  >"$work/upsert2.jsonl"
"$cardex" ingest --index "$primary" "$work/upsert2.jsonl" >/dev/null || fail "upsert on the primary"
wait_for 60 "the lag to grow" sh -c "[ \"\$(curl -sf '$URL_follower/readyz' | jq .replica.lag_seconds)\" -gt $lag1 ]"
start_replication_server
wait_for 120 "the follower to catch up" \
  sh -c "[ \"\$(curl -sf '$URL_follower/api/search?q=qwertzuiop&limit=0' | jq .total)\" = 1 ]"
wait_for 30 "not stale" sh -c "curl -sf '$URL_follower/readyz' | jq -e '.replica.stale == false'"
echo "(5) primary lost and back: ok"
echo "all replica tests passed"
