#!/usr/bin/env bash
# Source rules a compiler cannot check. Usage: tests/lint/lint.sh SOURCE_DIR
# Each rule names why it exists; a hit prints the file and line and fails the test.
set -uo pipefail
cd "$1" || exit 2
status=0
dirs=(index ingest query server bench tests)

fail() {  # rule, why, matches
    if [ -n "$3" ]; then
        echo "lint: $1 — $2"
        echo "$3" | sed 's/^/  /'
        status=1
    fi
}

# Xapian::Query::MatchAll is a static whose reference count is not atomic: copying it on two
# threads at once corrupts it (it crashed the server under load). Use match_all() /
# Xapian::Query(std::string()). Lines where a comment starts before the name are fine.
fail "Query::MatchAll" "not thread-safe; build Xapian::Query(std::string())" \
    "$(grep -rnE '^[^/]*Query::MatchAll' --include='*.cpp' --include='*.h' "${dirs[@]}" | grep -v '^tests/lint/')"

# std::regex backtracks without bound and overflows the stack on long inputs; card and
# request text goes through RE2 only.
fail "std::regex" "unbounded backtracking on untrusted text; use RE2" \
    "$(grep -rnE 'std::regex|#include <regex>' --include='*.cpp' --include='*.h' "${dirs[@]}" | grep -v '^tests/lint/')"

# Xapian objects are not thread-safe: no Xapian object may live in a static or thread-shared
# variable (a function-local static included).
fail "static Xapian object" "Xapian objects are not thread-safe; keep them per Searcher/thread" \
    "$(grep -rnE '^\s*(static|thread_local)\s+(const\s+)?Xapian::' --include='*.cpp' --include='*.h' "${dirs[@]}")"

# std::vector<bool> packs eight flags in a byte: two threads setting neighbouring flags race,
# and an update is lost now and then (the reader's skip flags once delivered a card twice,
# one run in thirty). In the library modules, where threads fill per-item results, flags are
# bytes. Lines where a comment starts before the name are fine.
fail "std::vector<bool>" "packed bits race when threads set neighbouring flags; use std::vector<std::uint8_t>" \
    "$(grep -rnE '^[^/]*std::vector<bool>' --include='*.cpp' --include='*.h' index ingest query server)"

# CTest splits test names at ';' (a CMake list): a Catch2 test named with one is registered
# under a shorter name that matches no test, and used to pass without running.
fail "';' in a test name" "CTest cuts the name there and the test never runs" \
    "$(grep -rnE 'TEST_CASE\("[^"]*;' tests)"

exit $status
