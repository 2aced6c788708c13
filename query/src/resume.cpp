#include "resume.h"

#include "cursor.h"
#include "proximity.h"

namespace cardex::query {

Result<std::optional<After>> resume_point(const SearchRequest& req,
                                          Sort effective,
                                          const Xapian::Database& db) {
    if (req.cursor.empty()) return std::optional<After>{};
    auto c = decode_cursor(req.cursor);
    if (!c) return std::move(c).error();
    if (c->sort != effective || c->query != query_fingerprint(req, effective)) {
        return make_error(Errc::InvalidArgument,
                          "cursor belongs to another query or sort (page with the same "
                          "parameters, or start again without a cursor)",
                          req.cursor.substr(0, 64));
    }
    if (c->generation != uuid_bytes(db.get_uuid())) {
        return make_error(Errc::InvalidArgument,
                          "cursor expired: the index was rebuilt since this page; start again "
                          "from the first page",
                          "cursor expired");
    }
    return std::optional<After>(After{c->value, c->docid, c->next, c->position});
}

void relevance_after(Xapian::Enquire& enquire,
                     const After& after,
                     std::size_t limit,
                     Ranked& page,
                     std::uint64_t& position,
                     const Xapian::MatchDecider* decider,
                     const std::function<void(Ranked&)>* rescore) {
    constexpr std::uint64_t kSlack = 64;  // how far the ranking may shift between two pages
    std::uint64_t start = after.position > kSlack ? after.position - kSlack : 0;
    std::uint64_t count = limit + 2 * kSlack;
    // A window reaching into the rescored top: read from rank 0 (the rescore reorders the
    // top as a whole), up to where the window would end.
    const bool rescored = rescore != nullptr && start < kProximityWindow;
    if (rescored) {
        count += start;
        start = 0;
    }
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(start),
                                         static_cast<Xapian::doccount>(count),
                                         0,
                                         nullptr,
                                         decider);
    Ranked ranked;
    ranked.reserve(mset.size());
    for (auto it = mset.begin(); it != mset.end(); ++it) ranked.emplace_back(*it, it.get_weight());
    if (rescored) (*rescore)(ranked);
    std::size_t from = ranked.size(), last = ranked.size();
    for (std::size_t i = 0; i < ranked.size(); ++i) {
        if (ranked[i].first == after.next && from == ranked.size()) from = i;
        if (ranked[i].first == after.docid) last = i;
    }
    if (from == ranked.size() && last != ranked.size()) from = last + 1;
    if (from == ranked.size() && last == ranked.size()) {
        for (std::size_t i = 0; i < ranked.size(); ++i) {
            const double w = ranked[i].second;
            if (w < after.value || (w == after.value && ranked[i].first > after.docid)) {
                from = i;
                break;
            }
        }
    }
    for (std::size_t i = from; i < ranked.size() && page.size() < limit; ++i)
        page.push_back(ranked[i]);
    const std::uint64_t first = start + from;  // rank of the page's first hit
    if (page.size() < limit && ranked.size() == count) {
        // The window ended before the page did: fetch the rest right after it.
        Xapian::MSet rest = enquire.get_mset(static_cast<Xapian::doccount>(first + page.size()),
                                             static_cast<Xapian::doccount>(limit - page.size()),
                                             0,
                                             nullptr,
                                             decider);
        for (auto it = rest.begin(); it != rest.end(); ++it) page.emplace_back(*it, it.get_weight());
    }
    position = first + page.size();
}

}  // namespace cardex::query
