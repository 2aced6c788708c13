#include "resume.h"

#include "cursor.h"

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
                     std::vector<std::pair<Xapian::docid, double>>& page,
                     std::uint64_t& position,
                     const Xapian::MatchDecider* decider) {
    constexpr std::uint64_t kSlack = 64;  // how far the ranking may shift between two pages
    const std::uint64_t start = after.position > kSlack ? after.position - kSlack : 0;
    Xapian::MSet mset = enquire.get_mset(static_cast<Xapian::doccount>(start),
                                         static_cast<Xapian::doccount>(limit + 2 * kSlack),
                                         0,
                                         nullptr,
                                         decider);
    std::size_t from = mset.size(), last = mset.size();
    std::size_t i = 0;
    for (auto it = mset.begin(); it != mset.end(); ++it, ++i) {
        if (*it == after.next && from == mset.size()) from = i;
        if (*it == after.docid) last = i;
    }
    if (from == mset.size() && last != mset.size()) from = last + 1;
    if (from == mset.size() && last == mset.size()) {
        i = 0;
        for (auto it = mset.begin(); it != mset.end(); ++it, ++i) {
            const double w = it.get_weight();
            if (w < after.value || (w == after.value && *it > after.docid)) {
                from = i;
                break;
            }
        }
    }
    i = 0;
    for (auto it = mset.begin(); it != mset.end() && page.size() < limit; ++it, ++i) {
        if (i >= from) page.emplace_back(*it, it.get_weight());
    }
    const std::uint64_t first = start + from;  // rank of the page's first hit
    if (page.size() < limit && mset.size() == limit + 2 * kSlack) {
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
