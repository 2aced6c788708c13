#include "proximity.h"

#include <algorithm>
#include <functional>
#include <string>

#include "cardex/index/schema.h"
#include "phrases.h"

namespace cardex::query {

namespace {

// The window's docids, ascending.
std::vector<std::uint32_t> window_of(const Ranked& ranked, std::size_t n) {
    std::vector<std::uint32_t> docids;
    docids.reserve(n);
    for (std::size_t i = 0; i < n; ++i) docids.push_back(ranked[i].first);
    std::sort(docids.begin(), docids.end());
    return docids;
}

// Adds `gained` (sorted by docid) to the window's weights and sorts the window again.
void apply(Ranked& ranked, std::size_t n, const Ranked& gained) {
    if (gained.empty()) return;
    for (std::size_t i = 0; i < n; ++i) {
        auto at = std::lower_bound(
            gained.begin(), gained.end(), ranked[i].first, [](const auto& g, Xapian::docid d) {
                return g.first < d;
            });
        if (at != gained.end() && at->first == ranked[i].first) ranked[i].second += at->second;
    }
    std::stable_sort(ranked.begin(),
                     ranked.begin() + static_cast<std::ptrdiff_t>(n),
                     [](const auto& a, const auto& b) {
                         return a.second != b.second ? a.second > b.second : a.first < b.first;
                     });
}

// What holding `held` of `pairs` pairs adds (the same sum on every path, so that one index
// and shards agree to the last bit).
double share(std::size_t held, std::size_t pairs) {
    return kProximityWeight * static_cast<double>(held) / static_cast<double>(pairs);
}

}  // namespace

void rescore_by_proximity(const std::vector<const Xapian::Database*>& parts,
                          const std::vector<std::vector<std::string>>& pairs,
                          const PositionalContext* ctx,
                          Ranked& ranked,
                          Ranked* added) {
    const std::size_t n = std::min(kProximityWindow, ranked.size());
    if (added != nullptr) added->clear();
    if (pairs.empty() || n == 0 || parts.empty()) return;
    const std::vector<std::uint32_t> window = window_of(ranked, n);
    // Xapian 1.4 numbers the cards of k databases searched as one by interleaving: card
    // `local` of part `s` is (local - 1) * k + s + 1.
    const auto k = static_cast<Xapian::docid>(parts.size());
    std::vector<std::size_t> held(n, 0);  // per card of `window`
    try {
        for (const auto& pair : pairs) {
            const std::vector<Phrase> one{pair};
            for (Xapian::docid s = 0; s < k; ++s) {
                PhraseChecker checker(*parts[s], s == 0 ? ctx : nullptr, one);
                for (std::size_t i = 0; i < n; ++i) {  // ascending: the checker moves forward
                    if ((window[i] - 1) % k == s && checker.holds((window[i] - 1) / k + 1))
                        ++held[i];
                }
            }
        }
    } catch (const PositionsLost&) {
        // A store found damaged where it is the only copy of the positions: a phrase search
        // says so (DataLoss), but words alone are answered without positions, so they keep
        // the first stage's order rather than fail (tests/integration/positions_test.cpp).
        return;
    }
    Ranked gained;
    for (std::size_t i = 0; i < n; ++i) {
        if (held[i] > 0) gained.emplace_back(window[i], share(held[i], pairs.size()));
    }
    apply(ranked, n, gained);
    if (added != nullptr) *added = std::move(gained);
}

void rescore_by_proximity_remote(const Xapian::Database& all,
                                 const std::vector<std::vector<std::string>>& pairs,
                                 Ranked& ranked) {
    const std::size_t n = std::min(kProximityWindow, ranked.size());
    if (pairs.empty() || n == 0) return;
    std::vector<Xapian::Query> ids;
    const std::string prefix(index::kPrefixId);
    for (const std::uint32_t d : window_of(ranked, n)) {
        auto t = all.termlist_begin(d);
        t.skip_to(prefix);
        if (t != all.termlist_end(d) && (*t).compare(0, prefix.size(), prefix) == 0)
            ids.emplace_back(*t);
    }
    const Xapian::Query window(Xapian::Query::OP_OR, ids.begin(), ids.end());
    // One query per pair, weight 0: the cards of the window holding it.
    std::vector<std::pair<Xapian::docid, std::size_t>> held;
    for (const auto& pair : pairs) {
        Xapian::Enquire enquire(all);
        enquire.set_weighting_scheme(Xapian::BoolWeight());
        enquire.set_query(
            Xapian::Query(Xapian::Query::OP_FILTER,
                          window,
                          Xapian::Query(Xapian::Query::OP_PHRASE, pair.begin(), pair.end(), 2)));
        const Xapian::MSet m = enquire.get_mset(0, static_cast<Xapian::doccount>(n));
        for (auto it = m.begin(); it != m.end(); ++it) held.emplace_back(*it, 1);
    }
    std::sort(held.begin(), held.end());
    Ranked gained;
    for (std::size_t i = 0; i < held.size();) {
        std::size_t j = i;
        while (j < held.size() && held[j].first == held[i].first) ++j;
        gained.emplace_back(held[i].first, share(j - i, pairs.size()));
        i = j;
    }
    apply(ranked, n, gained);
}

}  // namespace cardex::query
