// A card's links to other cards. See links.h.
#include "links.h"

#include <algorithm>

namespace cardex::server {
namespace {

using index::CardType;

query::SearchRequest link_request(const index::Card& card, Link link, const Viewer& viewer) {
    const LinkQuery q = link_query(card, link);
    query::SearchRequest req;
    req.private_namespaces = viewer.private_namespaces;
    req.all_private = viewer.all_private;
    req.snippets = false;
    req.filters.push_back({"type", {std::string(q.type)}, {}});
    req.filters.push_back({std::string(q.facet), {card.id}, {}});
    // Spaces have no downloads on the Hub; likes is how its pages rank them.
    req.sort = q.type == "space" ? query::Sort::Likes : query::Sort::Downloads;
    return req;
}

}  // namespace

LinkQuery link_query(const index::Card& card, Link link) {
    switch (link) {
        case Link::DerivedModels:
            return {"model", "base_model"};
        case Link::TrainedModels:
            return {"model", "dataset"};
        case Link::Spaces:
            break;
    }
    return {"space", card.type == CardType::Dataset ? "dataset" : "model"};
}

Result<LinkedCards> linked_cards(query::Searcher& searcher,
                                 const index::Card& card,
                                 Link link,
                                 std::size_t top,
                                 const Viewer& viewer) {
    auto req = link_request(card, link, viewer);
    req.limit = std::max<std::size_t>(top, 1);
    auto res = searcher.search(req);
    if (!res) return std::move(res).error();
    LinkedCards out;
    out.count = res->total;
    out.top = std::move(res->hits);
    if (out.top.size() > top) out.top.resize(top);
    return out;
}

Result<std::vector<std::string>> spaces_using(query::Searcher& searcher,
                                              const index::Card& card,
                                              const Viewer& viewer) {
    std::vector<std::string> out;
    if (card.type == CardType::Space) return out;
    auto req = link_request(card, Link::Spaces, viewer);
    req.limit = query::kMaxLimit;
    while (true) {
        auto res = searcher.search(req);
        if (!res) return std::move(res).error();
        for (const auto& h : res->hits) out.push_back(h.card.id);
        if (res->next_cursor.empty()) break;
        req.cursor = std::move(res->next_cursor);
    }
    return out;
}

Result<std::uint64_t> children_model_count(query::Searcher& searcher,
                                           const index::Card& card,
                                           const Viewer& viewer) {
    if (card.type != CardType::Model) return std::uint64_t{0};
    auto d = searcher.derived(card.id, viewer.private_namespaces, viewer.all_private);
    if (!d) return std::move(d).error();
    return d->direct;
}

}  // namespace cardex::server
