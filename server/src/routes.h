#pragma once
// The endpoint functions behind Handler::handle. Private to cardex_server.
#include <string>
#include <string_view>

#include "cardex/index/card.h"
#include "cardex/query/searcher.h"
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
};

/// GET /api/search.
HttpResponse search_endpoint(const RouteContext& ctx, query::Searcher& searcher);

/// GET /api/{models,datasets,spaces}.
HttpResponse hub_list_endpoint(index::CardType type, const RouteContext& ctx,
                               query::Searcher& searcher);

/// GET /api/{models,datasets,spaces}/{id}[/revision/{rev}]; `rest` is the path after the
/// collection's slash, still percent-encoded.
HttpResponse hub_info_endpoint(index::CardType type, std::string_view rest,
                               const RouteContext& ctx, query::Searcher& searcher);

/// A 200 JSON response.
HttpResponse json_response(std::string body);

/// "http://host" (or the configured / forwarded public base) for absolute URLs.
std::string public_base_url(const RouteContext& ctx);

/// The value of a request header (case-insensitive name), or "" if absent.
std::string_view request_header(const HttpRequest& request, std::string_view name);

}  // namespace cardex::server
