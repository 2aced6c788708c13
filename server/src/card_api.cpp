// GET /api/cards/{type}/{id}: one card as cardex's native API sees it — the fields of a
// search hit, its own links (base models with their relation, datasets, a Space's models and
// SDK), and the cards linked to it: what is built on a model (directly, and the whole tree
// down to query::kLineageDepth generations), the models trained on a dataset, the Spaces
// using a model or dataset. Counts and lists come from the caller's view (links.h).
#include <algorithm>
#include <optional>
#include <string>

#include "card_json.h"
#include "http_errors.h"
#include "json_writer.h"
#include "links.h"
#include "routes.h"

namespace cardex::server {
namespace {

using index::CardType;

void write_top(JsonWriter& w, const LinkedCards& linked) {
    w.key("top").begin_array();
    for (const auto& h : linked.top) {
        w.begin_object()
            .field("id", h.card.id)
            .field("type", index::card_type_name(h.card.type))
            .field("title", h.card.title)
            .field("downloads", h.card.downloads)
            .field("likes", h.card.likes)
            .end_object();
    }
    w.end_array();
}

void write_linked(JsonWriter& w, std::string_view key, const LinkedCards& linked) {
    w.key(key).begin_object().field("count", linked.count);
    write_top(w, linked);
    w.end_object();
}

}  // namespace

HttpResponse card_endpoint(std::string_view rest,
                           const RouteContext& ctx,
                           query::Searcher& searcher) {
    const std::size_t slash = rest.find('/');
    if (slash == std::string_view::npos) {
        return error_response(404, "NotFound", "expected /api/cards/{type}/{id}");
    }
    const auto type = index::parse_card_type(rest.substr(0, slash));
    if (!type) {
        return error_response(make_error(Errc::InvalidArgument,
                                         "type must be model, dataset or space",
                                         std::string(rest.substr(0, slash))));
    }
    auto id = percent_decode(rest.substr(slash + 1), false);
    if (!id || id->empty() || id->size() > 256) return repo_not_found(ctx);
    while (!id->empty() && id->back() == '/') id->pop_back();
    std::size_t top = 10;
    if (auto t = ctx.params.last("top"); t && !t->empty()) {
        const auto n = parse_uint(*t);
        if (!n) {
            return error_response(make_error(
                Errc::InvalidArgument, "'top' must be a non-negative integer", std::string(*t)));
        }
        top = static_cast<std::size_t>(std::min<std::uint64_t>(*n, 100));
    }
    const Viewer viewer{ctx.principal.namespaces, ctx.principal.admin};
    auto card = searcher.get(*type, *id, viewer.private_namespaces, viewer.all_private);
    if (!card) {
        // A private card is NotFound too: the same answer as a missing one.
        if (card.error().code == Errc::NotFound) return repo_not_found(ctx);
        return error_response(card.error());
    }
    const index::Card& c = card.value();

    JsonWriter w;
    w.begin_object();
    write_card_fields(w, c);
    if (c.type == CardType::Model) {
        auto derived = searcher.derived(c.id, viewer.private_namespaces, viewer.all_private);
        if (!derived) return error_response(derived.error());
        auto direct = linked_cards(searcher, c, Link::DerivedModels, top, viewer);
        if (!direct) return error_response(direct.error());
        // The counts of the whole tree, and the first of the models built directly on it.
        w.key("derived_models").begin_object();
        write_derived_fields(w, derived.value());
        write_top(w, direct.value());
        w.end_object();
    }
    if (c.type == CardType::Dataset) {
        auto trained = linked_cards(searcher, c, Link::TrainedModels, top, viewer);
        if (!trained) return error_response(trained.error());
        write_linked(w, "trained_models", trained.value());
    }
    if (c.type != CardType::Space) {
        auto spaces = linked_cards(searcher, c, Link::Spaces, top, viewer);
        if (!spaces) return error_response(spaces.error());
        write_linked(w, "spaces", spaces.value());
    }
    w.end_object();
    return json_response(w.take());
}

}  // namespace cardex::server
