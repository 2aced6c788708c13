#pragma once
// The single pass over candidate documents that yields the exact total, the disjunctive
// facet counts and the documents that pass every filter, using the columns.
//
// A document that fails no filter counts everywhere; one that fails exactly the filters of
// one facet counts only for that facet (what it would add if that facet's selection were
// widened); one that fails filters of two facets counts nowhere. So one pass gives every
// facet's disjunctive counts at once.
#include <cstdint>
#include <vector>

#include "budget.h"
#include "columns.h"

namespace cardex::query {

struct CompiledFilter {
    const FacetColumn* column = nullptr;
    std::vector<std::uint8_t> allowed;   ///< by ordinal; empty: any value (only exclusions)
    std::vector<std::uint8_t> excluded;  ///< by ordinal
    std::uint64_t bit = 0;               ///< this filter's bit in the failure mask
};

struct CompiledRange {
    const ValueColumn* column = nullptr;
    double min = -1e300, max = 1e300;
};

struct CountedFacet {
    const FacetColumn* column = nullptr;
    std::uint64_t own_bits = 0;         ///< bits of the filters on this same facet
    std::vector<std::uint64_t> counts;  ///< by ordinal
};

struct PassInput {
    const std::vector<std::uint32_t>* candidates = nullptr;  ///< ascending; null: every doc
    std::vector<CompiledFilter> filters;
    std::vector<CompiledRange> ranges;
    /// Private documents are visible if all_private, or if their author's ordinal is marked.
    bool all_private = false;
    const FacetColumn* authors = nullptr;
    std::vector<std::uint8_t> allowed_authors;
    std::vector<CountedFacet> facets;
    bool collect = true;  ///< fill `passing`
};

struct PassOutput {
    std::uint64_t total = 0;
    std::vector<std::uint32_t> passing;  ///< ascending docids that pass every filter
};

/// Cost: O(candidates × filters and counted facets). Checks `budget` as it goes.
void run_pass(const Columns& cols, PassInput& in, PassOutput& out, BudgetCheck& budget);

/// The same total and counts as run_pass, for an anonymous request without filters or ranges
/// whose candidates are most of the index: `in.facets[i].counts` must hold the public counts
/// (Columns::public_counts); the public documents that are not candidates are subtracted.
/// Collects nothing. Cost: O(lastdocid) cheap steps plus O(non-candidates × counted facets),
/// against O(candidates × counted facets) for run_pass.
void run_complement_pass(const Columns& cols, PassInput& in, PassOutput& out, BudgetCheck& budget);

/// Whether one document is returned by the request `in` was compiled from (live, visible,
/// in every range, passing every filter). For walking a sort order until a page is full.
bool passes_all(const Columns& cols, const PassInput& in, std::uint32_t d);

/// Whether run_pass would count document `d` anywhere: in the total, or in a counted facet
/// whose own filters are the only ones it fails (disjunctive counts). passes_all implies it.
bool counted_anywhere(const Columns& cols, const PassInput& in, std::uint32_t d);

}  // namespace cardex::query
