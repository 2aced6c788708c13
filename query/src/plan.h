#pragma once
// Planning a search (private to query/): which value slot a sort or range reads, the pass's
// compiled filters and counters, a listing's candidate documents, and the top values of a
// counted facet.
#include <optional>
#include <string>
#include <vector>

#include <xapian.h>

#include "cardex/index/result.h"
#include "cardex/index/schema.h"
#include "cardex/query/request.h"
#include "cardex/query/response.h"
#include "columns.h"
#include "pass.h"

namespace cardex::query {

/// The value slot a sort reads (downloads for relevance, which never reads one).
Xapian::valueno sort_slot(Sort s) noexcept;
/// The value slot of a range filter's field (validated by build_query).
Xapian::valueno range_slot(const std::string& field) noexcept;

/// Request filters, ranges, visibility and wanted facets -> the pass's compiled form.
/// Builds the columns it needs (Columns::facet/value), so it may throw Xapian errors.
/// `spare`: counter arrays of earlier requests, taken for this one's counted facets (then
/// give them back with return_counters): a facet with hundreds of thousands of values (the
/// authors of a million cards) allocated afresh per request cost ~7 ms of page faults at 1M
/// cards (docs/PERFORMANCE.md); reused, it costs a memset.
Result<PassInput> compile_pass(const Xapian::Database& db,
                               Columns& cols,
                               const SearchRequest& req,
                               std::vector<std::vector<std::uint64_t>>& spare);

/// Moves `in`'s counter arrays back to `spare` for the next request.
void return_counters(PassInput& in, std::vector<std::vector<std::uint64_t>>& spare);

/// The `top` largest counts of a counted facet, ties by ordinal (= value order).
FacetResult top_values(const FacetRequest& fr, const CountedFacet& c);

/// A listing's candidates: the postings of its most selective filter (and of a filter on a
/// second facet when the first facet is counted), so the pass need not visit every
/// document. False when no filter narrows enough. `kept` names a facet whose counts are the
/// unfiltered listing's (see the comment in plan.cpp).
bool listing_candidates(const Xapian::Database& db,
                        TermSets& sets,
                        const SearchRequest& req,
                        bool unfiltered_counts_kept,
                        std::vector<std::uint32_t>& out,
                        std::optional<index::Facet>& kept,
                        BudgetCheck& budget);

}  // namespace cardex::query
