#pragma once
// Warming a generation before searchers move to it (issue #15).
//
// Everything searches read besides Xapian's own files (facet and value columns, kept counts,
// sort orders; columns.h) is built from a revision on first use. At 1M cards that is ~3.5 s
// for the four facets a results page counts: the first search after a server starts or after
// a reindex swaps generations paid it and ran past its deadline (503). A server therefore
// warms each new generation on a thread of its own (Searcher::warm) and, until that is done,
// keeps its searchers on the generation they have open (Searcher::refresh asks may_switch).
// The gate is process-wide and per index directory; without hold_until_warm nothing waits
// (the CLI, tests, embedders). Thread-safe.
#include <string>

#include <xapian.h>

#include "columns.h"

namespace cardex::query {

/// From now on Searchers of `dir` move to a new generation only once it is marked warm.
void hold_until_warm(const std::string& dir);

/// `generation` of `dir` is warm: Searchers may move to it.
void mark_warm(const std::string& dir, const std::string& generation);

/// Whether a Searcher of `dir` may move to `generation` (not held, or marked warm).
bool may_switch(const std::string& dir, const std::string& generation);

/// Builds every facet column with its kept counts, the model tree, the prior column and every
/// sort order of `db`'s snapshot in `cols`. Cost: O(cards × facets), seconds at 1M cards.
void warm_columns(const Xapian::Database& db, Columns& cols);

}  // namespace cardex::query
