#pragma once
// The endpoint functions behind Handler::handle. Private to cardex_server.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "cardex/index/card.h"
#include "cardex/query/request.h"
#include "cardex/query/searcher.h"
#include "cardex/server/auth.h"
#include "cardex/server/handler.h"
#include "url.h"

namespace cardex::server {

/// What every endpoint gets: the config, the raw request, its decoded path and query.
struct RouteContext {
    const HandlerConfig& config;
    const HttpRequest& request;
    std::string_view raw_path;  ///< as sent (still percent-encoded), for Link URLs
    std::string_view path;      ///< decoded
    const QueryParams& params;
    /// Who is asking. Every search, get and similar call must pass it on (see
    /// restrict_to_caller), or private cards leak.
    const Principal& principal;
};

/// Sets `req`'s private-card visibility to what the caller may see, and the server's
/// ranking defaults (the prior weight of `cardex serve --prior`, the phrase check limit of
/// `--phrase-check-limit`; a request parameter may override them afterwards).
inline void restrict_to_caller(const RouteContext& ctx, query::SearchRequest& req) {
    req.private_namespaces = ctx.principal.namespaces;
    req.all_private = ctx.principal.admin;
    req.prior_weight = ctx.config.prior_weight;
    req.phrase_check_limit = ctx.config.phrase_check_limit;
}

/// The answer for a repo that is missing or that the caller may not see: 401 without a
/// token, 404 with one (docs/HUB-API.md §9), identical bytes for missing and private.
HttpResponse repo_not_found(const RouteContext& ctx);

/// GET /api/search/full-text: the Hub's unofficial full-text shape (hits[].name).
HttpResponse full_text_endpoint(const RouteContext& ctx, query::Searcher& searcher);

/// GET /api/suggest?q=: typeahead over ids, titles and tags.
HttpResponse suggest_endpoint(const RouteContext& ctx, query::Searcher& searcher);

/// GET /api/similar/{type}/{id}; `rest` is the path after "/api/similar/", still encoded.
HttpResponse similar_endpoint(std::string_view rest, const RouteContext& ctx,
                              query::Searcher& searcher);

/// GET /api/cards/{type}/{id}: the native card with its links (card_api.cpp); `rest` is
/// the path after "/api/cards/", still encoded.
HttpResponse card_endpoint(std::string_view rest,
                           const RouteContext& ctx,
                           query::Searcher& searcher);
/// GET /api/models-tags-by-type and /api/datasets-tags-by-type.
HttpResponse tags_by_type_endpoint(index::CardType type, const RouteContext& ctx,
                                   query::Searcher& searcher);

/// GET /metrics: `requests` is the request metrics already rendered.
/// Prometheus text: `requests` (the request metrics), the index, and the request limits.
/// The revision (it ticks on private writes too) only for admins.
HttpResponse metrics_endpoint(std::string requests, query::Searcher* searcher,
                              const HandlerConfig& config, bool admin);

/// GET /openapi.json.
HttpResponse openapi_endpoint();

/// /api/admin/...: admin token check, then the backend. Any method.
HttpResponse admin_endpoint(const RouteContext& ctx);

/// GET /api/search.
HttpResponse search_endpoint(const RouteContext& ctx, query::Searcher& searcher);

/// GET /api/{models,datasets,spaces}.
HttpResponse hub_list_endpoint(index::CardType type, const RouteContext& ctx,
                               query::Searcher& searcher);

/// GET /api/{models,datasets,spaces}/{id}[/revision/{rev}], .../{id}/refs and
/// .../{id}/tree/{rev}[/{path}]; `rest` is the path after the collection's slash, still
/// percent-encoded. `label` receives the route template.
HttpResponse hub_repo_endpoint(index::CardType type,
                               std::string_view rest,
                               const RouteContext& ctx,
                               query::Searcher& searcher,
                               std::string& label);

/// GET/HEAD /{id}/resolve/{rev}/{file}, /datasets/{id}/resolve/..., /spaces/{id}/resolve/...:
/// the card's README.md as the Hub serves a file. nullopt when the path is not of that form.
std::optional<HttpResponse> resolve_endpoint(const RouteContext& ctx,
                                             query::Searcher& searcher,
                                             std::string& label);

/// Fills `fields` with _id, id and the `expand` / `expand[]` keys when there are any (left
/// empty otherwise). A 400 response on a key the Hub does not know for `type`.
std::optional<HttpResponse> hub_expanded_fields(index::CardType type,
                                                const QueryParams& p,
                                                std::vector<std::string_view>& fields);

/// 404 NotFound for a path no route answers.
HttpResponse not_found_path();

/// A 200 JSON response.
HttpResponse json_response(std::string body);

/// "http://host" (or the configured / forwarded public base) for absolute URLs.
std::string public_base_url(const RouteContext& ctx);

/// The value of a request header (case-insensitive name), or "" if absent.
std::string_view request_header(const HttpRequest& request, std::string_view name);

}  // namespace cardex::server
