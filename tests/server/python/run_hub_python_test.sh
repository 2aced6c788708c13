#!/usr/bin/env bash
# CTest driver for hub_client_test.py: builds the offline environments of the official Python
# client (huggingface_hub 1.28.0 and 0.23.5) into WORK with the setup script that
# $CARDEX_HF_PYTHON_SETUP names, indexes the record files, starts `cardex serve` on a free
# loopback port, runs the test under both client versions, and stops the server with SIGTERM
# (it must exit 0).
# Exit 77 (CTest SKIP_RETURN_CODE) only when CARDEX_HF_PYTHON_SETUP is not set (.ci/run sets
# it); a setup script that is named but fails fails the test.
# Usage: run_hub_python_test.sh CARDEX_EXE WORK_DIR RECORD_FILE...
set -euo pipefail
CARDEX=$1
WORK=$2
shift 2
HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$WORK"
# shellcheck source=../serve_lib.sh
. "$HERE/../serve_lib.sh"
[ -n "${CARDEX_HF_PYTHON_SETUP:-}" ] ||
  skip "CARDEX_HF_PYTHON_SETUP is not set; it names the script that builds the offline" \
    "huggingface_hub environments (.ci/run sets it when the offline client tools are present)"
[ -x "$CARDEX_HF_PYTHON_SETUP" ] || {
  echo "CARDEX_HF_PYTHON_SETUP=$CARDEX_HF_PYTHON_SETUP is not an executable file" >&2
  exit 1
}

# The setup script skips what it has built already.
ENVS="$WORK/hf-python"
if ! "$CARDEX_HF_PYTHON_SETUP" "$ENVS" >"$WORK/setup.log" 2>&1; then
  cat "$WORK/setup.log" >&2
  echo "$CARDEX_HF_PYTHON_SETUP failed" >&2
  exit 1
fi

# The test reads the record files itself, and Python's standard library has no zstd: give it
# (and the index) plain copies of compressed ones.
files=()
for f in "$@"; do
  if [[ $f == *.zst ]]; then
    plain="$WORK/$(basename "${f%.zst}")"
    [ "$plain" -nt "$f" ] || zstd -q -d -f -o "$plain" "$f"
    files+=("$plain")
  else
    files+=("$f")
  fi
done
set -- "${files[@]}"

build_index "$CARDEX" "$WORK" "$@"
start_serve "$CARDEX" "$WORK"

status=0
for venv in venv venv-legacy; do
  CACHE="$WORK/cache-$venv"
  rm -rf "$CACHE"  # every download goes to the server, none comes from an earlier run
  "$ENVS/$venv/bin/python" -W ignore::FutureWarning "$HERE/hub_client_test.py" "$URL" "$CACHE" "$@" ||
    status=1
done
stop_serve "$WORK" $status
