#include "explain.h"

#include <algorithm>

#include "cardex/index/schema.h"

namespace cardex::query {

namespace {

bool holds(const Xapian::Database& db, const std::string& term, Xapian::docid docid) {
    auto p = db.postlist_begin(term);
    if (p == db.postlist_end(term)) return false;
    p.skip_to(docid);
    return p != db.postlist_end(term) && *p == docid;
}

}  // namespace

ScoreParts explain_score(const Xapian::Database& db,
                         const QueryParts& q,
                         const Xapian::Document& doc,
                         Xapian::docid docid,
                         double score,
                         double proximity,
                         double documentation) {
    ScoreParts parts;
    parts.proximity = proximity;
    parts.documentation = documentation;
    if (!q.plain) {
        for (const auto& term : q.exact_terms) {
            if (holds(db, term, docid)) {
                parts.exact = q.exact_weight;
                break;
            }
        }
        for (const auto& terms : q.id_words) {
            if (std::all_of(terms.begin(), terms.end(), [&](const std::string& t) {
                    return holds(db, t, docid);
                })) {
                parts.exact += q.id_words_weight;
                break;
            }
        }
        for (const auto& [term, weight] : q.understood_terms) {
            if (holds(db, term, docid)) parts.understood += weight;
        }
        // The prior posting source weighs a document by its stored prior (columns.h holds
        // the same numbers); a document without one gets nothing.
        const std::string prior = doc.get_value(index::kSlotPrior);
        if (!prior.empty()) parts.prior = q.prior_weight * Xapian::sortable_unserialise(prior);
    }
    parts.text = score - parts.exact - parts.understood - parts.prior - parts.proximity -
                 parts.documentation;
    // Rounding in Xapian's sums leaves a residue of about 1e-15 on a hit that matched only
    // through its boosts (an understood facet value): that is no text weight.
    if (parts.text < 1e-9 && parts.text > -1e-9) parts.text = 0;
    return parts;
}

}  // namespace cardex::query
