#pragma once
// The set of documents a text query matches, without ranking.
//
// Xapian's matcher visits every match through its weighting machinery (about a microsecond
// each, measured); counting and facets only need the set. For queries made of terms joined
// by AND, OR, AND_NOT and FILTER (what the query parser produces for plain words and
// field:value), the set is computed here with bitmaps of the terms' postings (termsets.h), and
// so are exact phrases when the generation has a position store (the AND of the words'
// bitmaps, then each card checked on the store). Anything else (phrases without a store,
// wildcards) falls back to Xapian's matcher.
#include <cstdint>
#include <optional>
#include <vector>

#include <xapian.h>

#include "budget.h"
#include "positional.h"
#include "termsets.h"

namespace cardex::query {

/// Fills `out` with the ascending docids matching `q`. Checks `budget` as it goes (throws
/// BudgetExceeded). `sets` is the term bitmap cache of `db`'s revision (Columns::term_sets). `db`
/// may be several databases searched as one (the public one and private ones); `parts` then lists
/// them in the order they were added, for the queries that need the matcher: Xapian 1.4's match
/// spies see sub-database docids, so each part is matched on its own and its docids mapped to
/// `db`'s ((local - 1) * n + i + 1). Empty `parts`: `db` is one database. `positions`, if
/// set, is the position store context of `db` (one database): phrases are checked on its
/// store, in the bitmaps or through on_store (positional.h) in the matcher; its counters
/// count the cards checked.
void match_set(const Xapian::Database& db,
               const std::vector<const Xapian::Database*>& parts,
               const Xapian::Query& q,
               std::vector<std::uint32_t>& out,
               TermSets& sets,
               BudgetCheck& budget,
               const std::shared_ptr<PositionalContext>& positions = {});

/// The ascending docids of `q` from the term bitmaps alone, when `q` is made of terms joined by
/// AND, OR, AND_NOT and FILTER (as match_set computes it); false, and `out` untouched, when it
/// needs the matcher. Cost: set operations on the terms' bitmaps.
bool direct_set(const Xapian::Database& db,
                const Xapian::Query& q,
                std::vector<std::uint32_t>& out,
                TermSets& sets,
                BudgetCheck& budget);

/// The documents of `q` as a bitmap, as direct_set computes them; nullopt when `q` needs the
/// matcher. Cost: set operations on the terms' bitmaps.
std::optional<DocSet> direct_bitmap(const Xapian::Database& db,
                                    const Xapian::Query& q,
                                    TermSets& sets,
                                    BudgetCheck& budget);

/// Fills `out` with the ascending docids among `within` (ascending) that match `q`, through
/// Xapian's matcher (phrases checked on those documents only). `db` is one database. Cost:
/// O(|within|) matcher steps; checks `budget`.
void match_within(const Xapian::Database& db,
                  const Xapian::Query& q,
                  const std::vector<std::uint32_t>& within,
                  std::vector<std::uint32_t>& out,
                  BudgetCheck& budget);

/// Merges into `out` (ascending, no duplicates) the docids of the documents holding any of
/// `terms` (`db` must be the revision `sets` are for): called twice, it makes the union of
/// two filters' postings. Cost: a bitmap lookup per term when cached (else its postings
/// decoded once, then cached), a union of the bitmaps, and O(docids) to write them out;
/// checks `budget`.
void add_postings(const Xapian::Database& db,
                  TermSets& sets,
                  const std::vector<std::string>& terms,
                  std::vector<std::uint32_t>& out,
                  BudgetCheck& budget);

}  // namespace cardex::query
