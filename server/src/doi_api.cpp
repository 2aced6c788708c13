// GET /api/doi/{doi}: the cards carrying a DOI; GET /doi/{doi}: to the card page.
//
// The DOI is normalized as ingest normalized the cards' DOIs (index/doi.h): any case, with
// or without a resolver prefix (https://doi.org/, doi:). Private cards count only for
// callers who may see them.
#include "doi_api.h"

#include "card_meta.h"
#include "cardex/index/doi.h"
#include "http_errors.h"
#include "json_writer.h"
#include "url.h"
#include "web/page.h"

namespace cardex::server {
namespace {

constexpr std::size_t kMaxCards = 100;

// The DOI of the request: everything after the route's prefix, decoded and normalized.
std::string requested_doi(const RouteContext& ctx, std::string_view prefix) {
    std::string doi(ctx.path.substr(prefix.size()));
    return index::normalize_doi(doi);
}

Result<query::SearchResponse> cards_with(const RouteContext& ctx,
                                         query::Searcher& searcher,
                                         const std::string& doi,
                                         std::size_t limit) {
    query::SearchRequest req;
    restrict_to_caller(ctx, req);
    req.filters.push_back({"doi", {doi}, {}});
    req.limit = limit;
    req.snippets = false;
    return searcher.search(req);
}

}  // namespace

HttpResponse doi_endpoint(const RouteContext& ctx, query::Searcher& searcher) {
    const std::string doi = requested_doi(ctx, "/api/doi/");
    if (doi.empty()) {
        return error_response(400,
                              "InvalidArgument",
                              "not a DOI: expected 10.<registrant>/<suffix>, optionally "
                              "after https://doi.org/",
                              ctx.path.substr(9));
    }
    auto res = cards_with(ctx, searcher, doi, kMaxCards);
    if (!res) return error_response(res.error());
    if (res->total == 0) return error_response(404, "NotFound", "no card carries this DOI", doi);
    const std::string base = public_base_url(ctx);
    JsonWriter w;
    w.begin_object().field("doi", doi).field("url", "https://doi.org/" + doi);
    w.field("total", res->total).key("cards").begin_array();
    for (const auto& h : res->hits) {
        const auto& c = h.card;
        w.begin_object()
            .field("id", c.id)
            .field("type", index::card_type_name(c.type))
            .field("title", c.title)
            .field("own", own_doi(c) == doi)
            .field("page", base + web::card_path(c.type, c.id))
            .field("api",
                   base + "/api/" + std::string(index::card_type_name(c.type)) + "s/" +
                       web::encode_path(c.id))
            .field("downloads", c.downloads)
            .end_object();
    }
    w.end_array().end_object();
    return json_response(w.take());
}

HttpResponse doi_redirect(const RouteContext& ctx, query::Searcher& searcher) {
    const std::string doi = requested_doi(ctx, "/doi/");
    if (doi.empty()) return error_response(400, "InvalidArgument", "not a DOI", ctx.path.substr(5));
    auto res = cards_with(ctx, searcher, doi, 2);
    if (!res) return error_response(res.error());
    if (res->total == 0) return error_response(404, "NotFound", "no card carries this DOI", doi);
    // One card: its page. Several: the search for the DOI, which lists them all.
    std::string to = res->total == 1 ? web::card_path(res->hits[0].card.type, res->hits[0].card.id)
                                     : "/?q=" + percent_encode("doi:" + doi);
    HttpResponse r;
    r.status = 302;
    r.content_type = "text/plain; charset=utf-8";
    r.body = "Found: " + to + "\n";
    r.headers.emplace_back("Location", std::move(to));
    return r;
}

}  // namespace cardex::server
