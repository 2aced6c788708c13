#!/usr/bin/env bash
# The real cards indexed with Xapian's positions as well as the position store
# (`cardex reindex --xapian-positions`), afresh: the reference index of the tests that compare
# the store with Xapian's positional operators (tests/integration/positions_test.cpp).
# Usage: xapian_positions_index.sh CARDEX INDEX_DIR CARD_FILE...
set -euo pipefail
cardex=$1
dir=$2
shift 2
rm -rf "$dir"
"$cardex" reindex --quiet --allow-rejects --xapian-positions --index "$dir" "$@"
