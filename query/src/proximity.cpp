#include "proximity.h"

#include <algorithm>
#include <functional>
#include <string>

#include "cardex/index/quality.h"
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

// What each card of `window` (ascending docids) gains from the pairs it holds (`held`, per
// card; empty: none) and its quality (`quality_of(i)`): the same sums in the same order on
// every path, so that one index and shards agree to the last bit. `added` gets the parts.
template <class QualityOf>
Ranked gains_of(const std::vector<std::uint32_t>& window,
                const std::vector<std::size_t>& held,
                std::size_t pairs,
                double documented,
                QualityOf quality_of,
                WindowGains* added) {
    Ranked gained;
    for (std::size_t i = 0; i < window.size(); ++i) {
        const double near = held.empty() || held[i] == 0 ? 0.0 : share(held[i], pairs);
        const double doc = documented > 0 ? documentation_gain(quality_of(i), documented) : 0.0;
        if (near > 0 || doc > 0) gained.emplace_back(window[i], near + doc);
        if (added != nullptr && near > 0) added->proximity.emplace_back(window[i], near);
        if (added != nullptr && doc > 0) added->documentation.emplace_back(window[i], doc);
    }
    return gained;
}

// How many of `pairs` each card of `window` (ascending docids) holds, over remote shards
// joined as `all`: one query per pair, restricted to the window's cards by their id terms.
void count_pairs_remote(const Xapian::Database& all,
                        const std::vector<std::vector<std::string>>& pairs,
                        const std::vector<std::uint32_t>& window,
                        std::vector<std::size_t>& held) {
    std::vector<Xapian::Query> ids;
    const std::string prefix(index::kPrefixId);
    for (const std::uint32_t d : window) {
        auto t = all.termlist_begin(d);
        t.skip_to(prefix);
        if (t != all.termlist_end(d) && (*t).compare(0, prefix.size(), prefix) == 0)
            ids.emplace_back(*t);
    }
    const Xapian::Query cards(Xapian::Query::OP_OR, ids.begin(), ids.end());
    // Weight 0: the cards of the window holding the pair.
    for (const auto& pair : pairs) {
        Xapian::Enquire enquire(all);
        enquire.set_weighting_scheme(Xapian::BoolWeight());
        enquire.set_query(
            Xapian::Query(Xapian::Query::OP_FILTER,
                          cards,
                          Xapian::Query(Xapian::Query::OP_PHRASE, pair.begin(), pair.end(), 2)));
        const Xapian::MSet m = enquire.get_mset(0, static_cast<Xapian::doccount>(window.size()));
        for (auto it = m.begin(); it != m.end(); ++it) {
            const auto at = std::lower_bound(window.begin(), window.end(), *it);
            if (at != window.end() && *at == *it)
                ++held[static_cast<std::size_t>(at - window.begin())];
        }
    }
}

}  // namespace

double documentation_gain(int quality, double documented) noexcept {
    if (quality <= 0 || documented <= 0) return 0;
    return documented * static_cast<double>(std::min(quality, 100)) / 100.0;
}

void rescore_window(const std::vector<const Xapian::Database*>& parts,
                    const std::vector<std::vector<std::string>>& pairs,
                    double documented,
                    const std::vector<double>* quality,
                    const PositionalContext* ctx,
                    Ranked& ranked,
                    WindowGains* added) {
    const std::size_t n = std::min(kProximityWindow, ranked.size());
    if (added != nullptr) *added = {};
    if (quality == nullptr) documented = 0;
    if ((pairs.empty() && documented <= 0) || n == 0 || parts.empty()) return;
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
        // says so (DataLoss), but words alone are answered without positions, so they are
        // ranked without the pairs rather than fail (tests/integration/positions_test.cpp).
        std::fill(held.begin(), held.end(), std::size_t{0});
    }
    const auto quality_of = [&](std::size_t i) {
        const std::uint32_t d = window[i];
        return d < quality->size() ? index::quality_of_sort_key((*quality)[d]) : -1;
    };
    apply(ranked, n, gains_of(window, held, pairs.size(), documented, quality_of, added));
}

void rescore_window_remote(const Xapian::Database& all,
                           const std::vector<std::vector<std::string>>& pairs,
                           double documented,
                           Ranked& ranked) {
    const std::size_t n = std::min(kProximityWindow, ranked.size());
    if ((pairs.empty() && documented <= 0) || n == 0) return;
    const std::vector<std::uint32_t> window = window_of(ranked, n);
    std::vector<int> quality(n, -1);
    if (documented > 0) {
        for (std::size_t i = 0; i < n; ++i) {
            const std::string v = all.get_document(window[i]).get_value(index::kSlotQuality);
            if (!v.empty())
                quality[i] = index::quality_of_sort_key(Xapian::sortable_unserialise(v));
        }
    }
    std::vector<std::size_t> held(pairs.empty() ? 0 : n, 0);
    if (!pairs.empty()) count_pairs_remote(all, pairs, window, held);
    apply(ranked,
          n,
          gains_of(
              window,
              held,
              pairs.size(),
              documented,
              [&](std::size_t i) { return quality[i]; },
              nullptr));
}

}  // namespace cardex::query
