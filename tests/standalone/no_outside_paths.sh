#!/usr/bin/env bash
# CTest standalone:no-outside-paths. The repository needs nothing beside it:
#  1. no file of the repository but docs/DATA.md (its provenance note) names the folder
#     beside the first checkouts that the real data was copied from; .ci/run may name its
#     offline client tools (the optional Python client test), nothing else there;
#  2. the tests' data directory (CMake CARDEX_TEST_DATA) lies inside the checkout, unless it
#     was set on purpose (OVERRIDDEN=1: then it is only reported).
# Usage: no_outside_paths.sh SOURCE_DIR DATA_DIR OVERRIDDEN
set -euo pipefail
SRC=$(cd "$1" && pwd -P) DATA=$2 OVERRIDDEN=$3
. "$(dirname "$0")/files.sh"

# The folder's spellings: a relative path up and into it, or its data/reference subfolders.
pattern='\.\.[/\\]shared|shared/(data|reference)'
mapfile -d '' files < <(repo_files "$SRC")
[ ${#files[@]} -gt 100 ] || { echo "found only ${#files[@]} files under $SRC" >&2; exit 1; }
bad=()
for f in "${files[@]}"; do
  [ "$f" = docs/DATA.md ] && continue
  # .ci/run alone may name the offline client tools beside the CI checkout (an optional
  # test's environment, never data); nothing else of that folder.
  if [ "$f" = .ci/run ]; then
    if grep -IE "$pattern" "$SRC/$f" | grep -qvE '\.\./shared/tools/'; then bad+=("$f"); fi
    continue
  fi
  if grep -qIE "$pattern" "$SRC/$f"; then bad+=("$f"); fi
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "these files name a path outside the repository (only docs/DATA.md may, as provenance," >&2
  echo "and .ci/run the offline client tools):" >&2
  for f in "${bad[@]}"; do grep -nIE "$pattern" "$SRC/$f" | sed "s#^#  $f:#" >&2; done
  exit 1
fi
echo "checked ${#files[@]} files: none names a path outside the repository"

data=$(cd "$DATA" && pwd -P) || { echo "the test data directory $DATA does not exist" >&2; exit 1; }
case "$data/" in
  "$SRC"/*) echo "test data: $data (inside the checkout)" ;;
  *)
    if [ "$OVERRIDDEN" = 1 ]; then
      echo "test data: $data (outside the checkout: CARDEX_TEST_DATA was set)"
    else
      echo "the tests read $data, outside the checkout $SRC" >&2
      exit 1
    fi ;;
esac
