#pragma once
// The model tree of one snapshot: for every base model a card names, how many model cards
// are built on it, directly and through the whole tree below it (depth-limited). Private to
// query/.
//
// Built once per snapshot from the BaseModel and Type facet columns (Columns::lineage), so
// it counts exactly the cards of the databases the snapshot reads: an anonymous caller's
// counts come from the public cards alone, a namespace caller's include that namespace's
// private cards (ARCHITECTURE.md, "What a caller may not see"). Immutable once built.
#include <cstdint>
#include <string_view>
#include <vector>

#include <xapian.h>

#include "cardex/query/response.h"

namespace cardex::query {

struct FacetColumn;
class Columns;

struct Lineage {
    /// By ordinal of the BaseModel facet column (a base model id, lower-cased).
    std::vector<std::uint32_t> direct;  ///< model cards that name it as a base model
    std::vector<std::uint32_t> total;   ///< distinct model cards below it, to kLineageDepth
    std::vector<std::uint8_t> deeper;   ///< the tree goes on below kLineageDepth
};

/// Builds the tree counts. `base` and `type` are the BaseModel and Type columns of `db`'s
/// snapshot; `present` its live documents. Cost: one postlist lookup per base model id (to
/// find the model card of that id, whose own descendants count too), then a breadth-first
/// walk per base model over its subtree: O(sum of the subtrees' sizes), at most
/// kLineageDepth times the number of model cards that name a base model.
Lineage build_lineage(const Xapian::Database& db,
                      const FacetColumn& base,
                      const FacetColumn& type,
                      const std::vector<std::uint8_t>& present,
                      std::uint32_t lastdocid);

/// The counts of the model `model_id` (any case) in the snapshot of `cols`, building its
/// tree on first use. Zero for an id no card names as a base model.
DerivedCounts derived_of(Columns& cols, const Xapian::Database& db, std::string_view model_id);

}  // namespace cardex::query
