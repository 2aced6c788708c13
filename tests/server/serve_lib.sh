# Shared by the drivers of the Hub client tests (npm/, python/): sourced, not run.
#   skip REASON...                   "SKIPPED: REASON" on stderr, exit 77 (CTest's skip code)
#   build_index CARDEX WORK FILE...  WORK/index from the files, once; rebuilt when an input
#                                    or the executable is newer than the last build
#   start_serve CARDEX WORK          `cardex serve` on a free loopback port: sets PID and URL
#   stop_serve WORK STATUS           SIGTERM; the server must exit 0. Exits with STATUS when
#                                    the client test failed, after the server log's tail.

skip() {
  echo "SKIPPED: $*" >&2
  exit 77
}

build_index() {
  local cardex=$1 work=$2
  shift 2
  local index="$work/index" stamp="$work/index.stamp" stale=0 f
  [ -f "$stamp" ] || stale=1
  for f in "$cardex" "$@"; do [ "$f" -nt "$stamp" ] && stale=1; done
  if [ $stale -eq 1 ]; then
    rm -rf "$index" "$stamp"
    "$cardex" reindex --quiet --index "$index" "$@"
    touch "$stamp"
  fi
}

start_serve() {
  local cardex=$1 work=$2
  local log="$work/serve.log"
  # The real clients check compatibility, not speed: a sanitizer build on a loaded machine
  # must not meet the 2 s request deadline (tested in tests/query and tests/server).
  "$cardex" serve --index "$work/index" --listen 127.0.0.1:0 --threads 2 --deadline 60000 2>"$log" &
  PID=$!
  trap 'kill -TERM $PID 2>/dev/null || true' EXIT
  URL=""
  for _ in $(seq 1 300); do
    URL=$(sed -n 's/^.*listening on \(http:[^ ]*\).*/\1/p' "$log" | head -1)
    [ -n "$URL" ] && break
    kill -0 $PID 2>/dev/null || { cat "$log" >&2; echo "cardex serve exited" >&2; exit 1; }
    sleep 0.1
  done
  [ -n "$URL" ] || { cat "$log" >&2; echo "cardex serve did not start" >&2; exit 1; }
}

stop_serve() {
  local work=$1 status=$2 rc=0
  local log="$work/serve.log"
  kill -TERM $PID
  wait $PID || rc=$?
  trap - EXIT
  if [ "$status" -ne 0 ]; then
    tail -20 "$log" >&2
    exit "$status"
  fi
  [ $rc -eq 0 ] || { echo "cardex serve exited $rc after SIGTERM" >&2; exit 1; }
  echo "cardex serve stopped cleanly; $(grep -c ' access ' "$log") requests logged"
}
