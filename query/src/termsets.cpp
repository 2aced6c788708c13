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

DocSet TermSets::get(const Xapian::Database& db, const std::string& term, BudgetCheck& budget) {
    if (db.get_termfreq(term) < min_freq(db.get_lastdocid()))
        return std::make_shared<const Roaring>(decode_postings(db, term, budget));
    return lru_.get(
        term,
        [&] { return decode_postings(db, term, budget); },
        [](const Roaring& set) { return set.getSizeInBytes(false); });
}

}  // namespace cardex::query
