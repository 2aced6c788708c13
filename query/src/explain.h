#pragma once
// A hit's relevance score in parts (SearchRequest::explain). Private to query/.
//
// The ranked query (QueryParts::ranked) is AND_MAYBE(text, OR(boosts, prior)): Xapian adds
// the weights of the parts a document matches. The boosts are constant weights on terms
// (exact id/name, understood facet values) and the prior is a value times the request's
// weight, so each can be recomputed for one document; the second stage's proximity weight
// (proximity.h) is given; the text part is what remains.
#include <xapian.h>

#include "cardex/query/response.h"
#include "query_builder.h"

namespace cardex::query {

/// The parts of `score`, the weight Xapian gave `doc` (docid `docid` of `db`) for `q` plus
/// the second stage's `proximity` and `documentation` (proximity.h, WindowGains). Cost: one
/// posting-list seek per boost term.
ScoreParts explain_score(const Xapian::Database& db,
                         const QueryParts& q,
                         const Xapian::Document& doc,
                         Xapian::docid docid,
                         double score,
                         double proximity,
                         double documentation);

}  // namespace cardex::query
