#pragma once
// Hierarchical facet counts (FacetRequest::children): the tasks of each modality, the
// licenses of each reuse class. Private to query/.
//
// Both hierarchies are the vocabulary's (data/tables): a task has one modality (tasks.tsv)
// and the modality facet holds the modalities of a card's tasks; a license has one reuse
// class (licenses.tsv). So a child value's counts go under its parent value, and the counts
// are those of the flat child facet (disjunctive like every facet count: a filter on the
// child facet does not narrow its own counts).
#include <cstddef>

#include "cardex/index/result.h"
#include "cardex/index/vocabulary.h"
#include "cardex/query/request.h"
#include "cardex/query/response.h"

namespace cardex::query {

/// Whether any facet request asks for children.
bool has_child_facets(const SearchRequest& req) noexcept;

/// `req` with the child facets of its hierarchical facet requests appended (counted over all
/// their values), after the requested ones. InvalidArgument for a pair that is not a
/// hierarchy ("modality>task" and "reuse>license" are), naming it.
Result<SearchRequest> with_child_facets(const SearchRequest& req);

/// Moves the appended child counts of `resp` (from a search of with_child_facets(asked))
/// under the values of their parents, through `vocab`, keeping FacetRequest::children_top
/// per parent value; resp.facets is left with one result per facet of `asked`. A child value
/// the vocabulary places under no counted parent value is left out.
void nest_child_facets(const SearchRequest& asked,
                       const index::Vocabulary& vocab,
                       SearchResponse& resp);

}  // namespace cardex::query
