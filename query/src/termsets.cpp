#include "termsets.h"

#include <algorithm>
#include <vector>

namespace cardex::query {

Roaring decode_postings(const Xapian::Database& db, const std::string& term, BudgetCheck& budget) {
    // Through a sorted array in chunks: add_many appends runs of ascending values to the
    // container it is filling, far cheaper than one add per posting.
    std::vector<std::uint32_t> chunk;
    chunk.reserve(4096);
    Roaring out;
    for (auto p = db.postlist_begin(term), end = db.postlist_end(term); p != end; ++p) {
        budget();
        chunk.push_back(*p);
        if (chunk.size() == 4096) {
            out.addMany(chunk.size(), chunk.data());
            chunk.clear();
        }
    }
    out.addMany(chunk.size(), chunk.data());
    return out;
}

std::uint32_t TermSets::min_freq(std::uint32_t lastdocid) {
    return std::clamp<std::uint32_t>(lastdocid / 256, 64, 4096);
}

Xapian::doccount TermSets::termfreq(const Xapian::Database& db, const std::string& term) {
    {
        std::lock_guard g(freqs_mu_);
        if (auto it = freqs_.find(term); it != freqs_.end()) return it->second;
    }
    const Xapian::doccount tf = db.get_termfreq(term);
    std::lock_guard g(freqs_mu_);
    if (freqs_.size() >= kMaxFreqs) freqs_.clear();
    freqs_.emplace(term, tf);
    return tf;
}

DocSet TermSets::get(const Xapian::Database& db, const std::string& term, BudgetCheck& budget) {
    const bool rare = termfreq(db, term) < min_freq(db.get_lastdocid());
    return (rare ? rare_ : lru_)
        .get(
            term,
            [&] { return decode_postings(db, term, budget); },
            [](const Roaring& set) { return set.getSizeInBytes(false); });
}

}  // namespace cardex::query
