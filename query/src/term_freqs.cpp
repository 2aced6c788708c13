#include "term_freqs.h"

#include "termsets.h"

namespace cardex::query {

Xapian::doccount TermFreqs::get(const std::string& term) {
    if (term.empty()) return 0;  // Xapian reads "" as every document
    if (const auto it = known_.find(term); it != known_.end()) return it->second;
    const Xapian::doccount freq =
        revision_ != nullptr ? revision_->termfreq(db_, term) : db_.get_termfreq(term);
    known_.emplace(term, freq);
    return freq;
}

void TermFreqs::prefetch(const std::vector<std::string>& terms) {
    if (!batch_) return;
    std::vector<Xapian::Query> unknown;
    for (const auto& t : terms) {
        if (!t.empty() && !known_.count(t)) unknown.emplace_back(t);
    }
    if (unknown.empty()) return;
    Xapian::Enquire enquire(db_);
    enquire.set_weighting_scheme(Xapian::BoolWeight());
    enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, unknown.begin(), unknown.end()));
    // No document asked for, none to check: the matcher gathers the terms' statistics
    // from every part of the database and stops.
    const Xapian::MSet mset = enquire.get_mset(0, 0, Xapian::doccount{0});
    for (const auto& q : unknown) {
        const std::string term = *q.get_unique_terms_begin();
        known_.emplace(term, mset.get_termfreq(term));
    }
}

}  // namespace cardex::query
