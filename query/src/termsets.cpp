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
    {
        std::lock_guard g(mu_);
        if (auto it = sets_.find(term); it != sets_.end()) {
            lru_.splice(lru_.begin(), lru_, it->second.lru);
            return it->second.set;
        }
    }
    // Decoded outside the lock: two threads may both decode a term the first time; the
    // second insert finds the first and keeps it.
    auto set = std::make_shared<const Roaring>(decode_postings(db, term, budget));
    const std::size_t bytes = set->getSizeInBytes(false);
    std::lock_guard g(mu_);
    if (auto it = sets_.find(term); it != sets_.end()) return it->second.set;
    lru_.push_front(term);
    sets_.emplace(term, Entry{set, bytes, lru_.begin()});
    bytes_ += bytes;
    while (bytes_ > cap_ && lru_.size() > 1) {
        auto victim = sets_.find(lru_.back());
        bytes_ -= victim->second.bytes;
        sets_.erase(victim);
        lru_.pop_back();
    }
    return set;
}

bool TermSets::contains(const std::string& term) const {
    std::lock_guard g(mu_);
    return sets_.count(term) != 0;
}

std::size_t TermSets::cached_terms() const {
    std::lock_guard g(mu_);
    return sets_.size();
}

std::size_t TermSets::cached_bytes() const {
    std::lock_guard g(mu_);
    return bytes_;
}

}  // namespace cardex::query
