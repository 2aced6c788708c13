// The GLAM routes that are more than a path in the route table (docs/GLAM.md): card
// citations and organisation pages.
#include "glam_routes.h"

#include "citation.h"
#include "web/org_page.h"
#include "web/page.h"

namespace cardex::server {

std::optional<HttpResponse> citation_route(index::CardType type,
                                           std::string_view raw_rest,
                                           const RouteContext& ctx,
                                           query::Searcher& searcher,
                                           std::string& label) {
    constexpr std::string_view kSuffix = "/citation";
    if (!raw_rest.ends_with(kSuffix)) return std::nullopt;
    label = "/api/" + std::string(index::card_type_name(type)) + "s/{id}/citation";
    return citation_endpoint(
        type, raw_rest.substr(0, raw_rest.size() - kSuffix.size()), ctx, searcher);
}

std::optional<HttpResponse> org_page_route(const RouteContext& ctx, query::Searcher& searcher) {
    std::string_view p = ctx.path;
    if (ctx.request.method != "GET" && ctx.request.method != "HEAD") return std::nullopt;
    if (p.size() < 2 || p.front() != '/') return std::nullopt;
    p.remove_prefix(1);
    if (!p.empty() && p.back() == '/') p.remove_suffix(1);
    if (p.find('/') != std::string_view::npos) return std::nullopt;
    // Names the site itself uses are never organisations.
    for (std::string_view reserved : {"api",
                                      "static",
                                      "search",
                                      "signin",
                                      "signout",
                                      "oai",
                                      "doi",
                                      "models",
                                      "datasets",
                                      "spaces",
                                      "sitemaps"}) {
        if (p == reserved) return std::nullopt;
    }
    const web::PageContext pc = web::make_page_context(ctx);
    HttpResponse res = web::org_page(pc, p, searcher);
    // A name that is no organisation is a path no route takes ("other" in the metrics).
    if (res.status == 404) res.route = "other";
    return res;
}

}  // namespace cardex::server
